package pcf

import "github.com/ipcf/ipcf/core/internal/fft"

const fftBackend = fft.Backend
