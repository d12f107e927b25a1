import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Installs the files of an update site folder (make fiji-site) into an ImageJ/Fiji folder the way
 * the ImageJ updater does: for each plugin record of db.xml.gz, FILE-TIMESTAMP is copied to FILE,
 * and its size and checksum are verified as the updater verifies a download (SHA-1 of the path
 * and the bytes; for a .jar, of its entries sorted by name, each name and bytes).
 * Usage: java SiteInstall SITE_DIR IMAGEJ_DIR
 */
public class SiteInstall {
    public static void main(String[] args) throws Exception {
        File site = new File(args[0]), root = new File(args[1]);
        Document db;
        try (InputStream in = new GZIPInputStream(new FileInputStream(new File(site, "db.xml.gz")))) {
            db = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in);
        }
        NodeList plugins = db.getElementsByTagName("plugin");
        if (plugins.getLength() == 0) fail("db.xml.gz lists no plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element p = (Element) plugins.item(i);
            String name = p.getAttribute("filename");
            Element v = (Element) p.getElementsByTagName("version").item(0);
            if (v == null) fail(name + ": no version");
            String ts = v.getAttribute("timestamp"), sum = v.getAttribute("checksum");
            long size = Long.parseLong(v.getAttribute("filesize"));
            if (!ts.matches("[0-9]{14}")) fail(name + ": timestamp " + ts);
            File from = new File(site, name + "-" + ts), to = new File(root, name);
            if (!from.isFile()) fail(name + ": " + from + " missing from the site");
            to.getParentFile().mkdirs();
            Files.copy(from.toPath(), to.toPath(), StandardCopyOption.REPLACE_EXISTING);
            if (to.length() != size) fail(name + ": " + to.length() + " bytes, db.xml.gz says " + size);
            String got = name.endsWith(".jar") ? jarDigest(to) : digest(name, to);
            if (!got.equals(sum)) fail(name + ": checksum " + got + ", db.xml.gz says " + sum);
            NodeList plat = p.getElementsByTagName("platform");
            System.out.println("installed " + name + " (" + size + " bytes, checksum " + sum + (plat.getLength() > 0
                    ? ", platform " + plat.item(0).getTextContent() : "") + ")");
        }
        System.out.println("PASS: site installed into " + root);
    }

    static String digest(String path, File f) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-1");
        d.update(path.getBytes(StandardCharsets.US_ASCII));
        d.update(Files.readAllBytes(f.toPath()));
        return hex(d.digest());
    }

    static String jarDigest(File f) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-1");
        try (JarFile jar = new JarFile(f)) {
            List<JarEntry> list = Collections.list(jar.entries());
            list.sort((a, b) -> a.getName().compareTo(b.getName()));
            for (JarEntry e : list) {
                if (e.getName().equals("META-INF/MANIFEST.MF") || e.getName().endsWith(".properties"))
                    fail(f + ": " + e.getName() + " would need the updater's special checksum");
                d.update(e.getName().getBytes(StandardCharsets.US_ASCII));
                try (InputStream in = jar.getInputStream(e)) {
                    byte[] b = new byte[65536];
                    for (int n; (n = in.read(b)) >= 0;) d.update(b, 0, n);
                }
            }
        }
        return hex(d.digest());
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) s.append(String.format("%02x", x & 0xff));
        return s.toString();
    }

    static void fail(String m) {
        System.out.println("FAIL: " + m);
        System.exit(1);
    }
}
