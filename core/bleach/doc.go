// Package bleach corrects photobleaching in a pixel's intensity series with
// the double exponential filter of the pCF tutorial (cgohlke/ipcf.ipynb,
// shared/spec/pcf.md "Photobleaching correction").
package bleach
