package ipcf;

/** An error reported by libipcf: status code and the library's message. */
public class IpcfException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public final int status;

    public IpcfException(int status, String message) {
        super(message);
        this.status = status;
    }
}
