# ipcf: image pair correlation function analysis.
# `make` builds the library, header and CLI; `make demo` runs the main job
# on the built-in simulated dataset; `make test` runs every test.

GO        ?= go
CC        ?= cc
BUILD     := build
LIB       := $(BUILD)/lib/libipcf.so
SONAME    := libipcf.so.0
BIN       := $(BUILD)/bin/ipcf
SHARED    ?= ../shared
CONF      := $(SHARED)/conformance
GOSRC     := $(shell find core capi cmd -name '*.go' -o -name '*.c' -o -name '*.h' 2>/dev/null) include/ipcf.h capi/exports.map go.mod \
             core/internal/fft/wisdom.txt
LDFLAGS_SO := -ldflags=-extldflags=-Wl,-soname,$(SONAME),--version-script=$(CURDIR)/capi/exports.map
ASAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -g -O1
export ASAN_OPTIONS := detect_leaks=1
export LSAN_OPTIONS := suppressions=$(CURDIR)/tests/c/lsan.supp

PYTHON    ?= /usr/bin/python3
# The file-job fixture every host reproduces (tools/filejobdata).
FILEJOB   := $(BUILD)/filejob
# Every recipe (the Go tests start Python, Octave and Java too) runs with
# PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE unset, whatever the caller's
# shell exports: CI runners differ, and a test passed only where
# PYTHONUNBUFFERED=1 was exported (a campaign).
unexport PYTHONUNBUFFERED PYTHONDONTWRITEBYTECODE
PYENV     := PYTHONPATH=$(CURDIR)/bindings/python IPCF_CONFORMANCE=$(abspath $(CONF)) IPCF_FILEJOB=$(CURDIR)/$(FILEJOB)

# Debian packages the build and the tests need.
DEB_PKGS  := libfftw3-dev pkg-config cmake gcc g++ clang python3-numpy python3-pytest python3-dask \
             python3-distributed python3-matplotlib python3-zarr python3-tifffile python3-setuptools python3-wheel python3-pip python3-venv \
             python3-tqdm python3-xarray jupyter-nbconvert python3-nbformat python3-nbclient python3-ipykernel \
             octave liboctave-dev imagej default-jdk-headless libjna-java xvfb xauth

.PHONY: check-shared golden filejob bench-big all deps cuda-emu install test test-go test-purego test-c test-c-emu test-cmake test-python test-octave test-fiji fiji screenshots fuzz demo bench wisdom clean help

all: $(LIB) $(BIN) $(BUILD)/cuda-emu/libcuda.so.1 ## build libipcf.so, include/ipcf.h, the ipcf CLI and the emulated CUDA device

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

deps: ## install the Debian packages (as root; prints the command otherwise)
	@missing=""; for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages; run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
	@$(GO) mod download

$(LIB): $(GOSRC) | deps
	@mkdir -p $(BUILD)/lib
	$(GO) build -buildmode=c-shared -trimpath $(LDFLAGS_SO) -o $@ ./capi
	@ln -sf libipcf.so $(BUILD)/lib/$(SONAME)

$(BIN): $(GOSRC) | deps
	@mkdir -p $(BUILD)/bin
	$(GO) build -trimpath -o $@ ./cmd/ipcf

test: check-shared test-go test-purego test-c test-c-emu test-cmake test-python test-octave test-fiji fuzz ## run every test
	@echo "make test: all passed"

$(FILEJOB)/params.txt: $(BIN) tools/filejobdata/main.go
	$(GO) build -o $(BUILD)/bin/filejobdata ./tools/filejobdata
	$(BUILD)/bin/filejobdata -ipcf $(BIN) -dir $(FILEJOB)

filejob: $(FILEJOB)/params.txt ## the file-job fixture: a big-endian TIFF folder, a raw file and the CLI's results

check-shared: ## the shared conformance cases must be beside the checkout (../shared)
	@test -f $(CONF)/manifest.json || { echo "error: $(CONF)/manifest.json not found: the shared conformance cases must be beside the checkout (SHARED=$(SHARED)); the tests do not skip without them" >&2; exit 1; }

golden: ## regenerate testdata/golden, the project's own cases, with its numpy reference
	rm -rf testdata/golden && $(PYTHON) tools/golden/golden.py testdata/golden

# The emulated CUDA device: the library's kernels on the CPU behind
# stand-ins for libcuda, NVRTC and cuFFT (tools/cuda-emu).
CUDA_EMU  := $(BUILD)/cuda-emu
$(CUDA_EMU)/libcuda.so.1: tools/cuda-emu/emu.cc tools/cuda-emu/build.sh core/internal/cuda/kernels.cu.h | deps
	sh tools/cuda-emu/build.sh $(CUDA_EMU)

cuda-emu: $(CUDA_EMU)/libcuda.so.1 ## the emulated CUDA device for the GPU tests (IPCF_CUDA_LIBDIR=build/cuda-emu)

test-go: check-shared $(LIB) $(CUDA_EMU)/libcuda.so.1 ## Go unit, conformance, CLI and physics tests
	$(GO) vet ./...
	@# (-timeout: cmd/ipcf takes 4 to 5 min here and passed 10, the default, under load)
	IPCF_REQUIRE_ALL=1 IPCF_CUDA_EMU_DIR=$(CURDIR)/$(CUDA_EMU) $(GO) test -count=1 -timeout 25m ./...
	@test "$$(id -u)" = 0 || echo "note: not root: TestLockOfAnotherUser and TestStickyOutputOfAnotherUser (cmd/ipcf) skipped, and TestScratchKeptElsewhereRemoved's other mount not tried: they give files to other users"

test-purego: deps ## the pure-Go (gonum FFT) build passes the core tests too, and builds for macOS, FreeBSD and Windows
	CGO_ENABLED=0 $(GO) test -count=1 -short ./core/... ./cmd/...
	for os in darwin freebsd windows; do GOOS=$$os GOARCH=arm64 CGO_ENABLED=0 $(GO) build -o /dev/null ./core/... ./cmd/... || exit 1; done
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o /dev/null ./core/... ./cmd/...

$(BUILD)/test_capi: tests/c/test_capi.c tests/c/npyio.h $(LIB)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $(ASAN) -Iinclude -I$(BUILD)/lib $< -L$(BUILD)/lib -lipcf \
	  -Wl,-rpath,'$$ORIGIN/lib' -lm -lpthread -o $@

$(BUILD)/test_dlopen: tests/c/test_dlopen.c $(LIB)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $(ASAN) -Iinclude $< -ldl -o $@

$(BUILD)/pcf_example: examples/pcf_example.c $(LIB)
	$(CC) -std=c11 -Wall -Werror $(ASAN) -Iinclude $< -L$(BUILD)/lib -lipcf -Wl,-rpath,'$$ORIGIN/lib' -lm -o $@

$(BUILD)/test_badinput: tests/c/test_badinput.c $(LIB)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $(ASAN) -Iinclude $< -L$(BUILD)/lib -lipcf -Wl,-rpath,'$$ORIGIN/lib' -lm -o $@

$(BUILD)/test_errbars: tests/c/test_errbars.c $(LIB)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $(ASAN) -Iinclude $< -L$(BUILD)/lib -lipcf -Wl,-rpath,'$$ORIGIN/lib' -lm -o $@

$(BUILD)/test_sigcancel: tests/c/test_sigcancel.c $(LIB)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $(ASAN) -Iinclude $< -L$(BUILD)/lib -lipcf -Wl,-rpath,'$$ORIGIN/lib' -lpthread -o $@

$(BUILD)/test_fit: tests/c/test_fit.c $(LIB)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $(ASAN) -Iinclude $< -L$(BUILD)/lib -lipcf -Wl,-rpath,'$$ORIGIN/lib' -lm -o $@

$(BUILD)/test_toolkit: tests/c/test_toolkit.c $(LIB)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $(ASAN) -Iinclude $< -L$(BUILD)/lib -lipcf -Wl,-rpath,'$$ORIGIN/lib' -lm -o $@

test-c: $(BUILD)/test_capi $(BUILD)/test_dlopen $(BUILD)/test_badinput $(BUILD)/test_toolkit $(BUILD)/test_errbars $(BUILD)/test_fit $(BUILD)/test_sigcancel $(BUILD)/pcf_example $(FILEJOB)/params.txt ## C programs under AddressSanitizer
	IPCF_LIB=$(CURDIR)/$(LIB) $(GO) test -count=1 -run 'TestExportedSymbols|TestExportsMap|TestHeaderDocs|TestForkCheckFirst' ./capi
	$(BUILD)/test_capi $(CONF) $(FILEJOB)
	$(BUILD)/test_badinput
	$(BUILD)/test_toolkit
	$(BUILD)/test_errbars
	$(BUILD)/test_fit
	$(BUILD)/test_sigcancel
	$(BUILD)/test_dlopen $(CURDIR)/$(LIB)
	$(BUILD)/pcf_example $(CONF)/pcf_basic.input.npy $(CONF)/pcf_basic.expected.npy 4 16 16

test-c-emu: $(CUDA_EMU)/libcuda.so.1 ## the C programs again where a GPU is (the emulated device): they failed on one, passing without
	IPCF_CUDA_LIBDIR=$(CURDIR)/$(CUDA_EMU) $(MAKE) --no-print-directory test-c
	tests/c/cuda_rpath.sh $(LIB) $(CURDIR)/$(CUDA_EMU)/libipcf-cuda-emu.so $(BUILD)/cuda-rpath

test-cmake: deps $(LIB) $(BIN) ## CMake: build, ctest, install; make install; each clean prefix alone builds and runs the example (find_package, pkg-config)
	rm -rf $(BUILD)/cmake $(BUILD)/prefix $(BUILD)/prefix-make $(BUILD)/stage
	cmake -S . -B $(BUILD)/cmake -DCMAKE_INSTALL_PREFIX=$(CURDIR)/$(BUILD)/prefix -DIPCF_CONFORMANCE_DIR=$(abspath $(CONF)) >/dev/null
	cmake --build $(BUILD)/cmake >/dev/null
	cd $(BUILD)/cmake && ctest --output-on-failure
	cmake --install $(BUILD)/cmake >/dev/null
	tests/cmake/check_prefix.sh $(CURDIR)/$(BUILD)/prefix $(abspath $(CONF)) $(CURDIR)/$(BUILD)/check-prefix
	@# make install: what make built (the CLI and library), into a clean prefix and through DESTDIR
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(BUILD)/prefix-make >/dev/null
	tests/cmake/check_prefix.sh $(CURDIR)/$(BUILD)/prefix-make $(abspath $(CONF)) $(CURDIR)/$(BUILD)/check-prefix-make
	cmp $(BIN) $(BUILD)/prefix-make/bin/ipcf && cmp $(LIB) $(BUILD)/prefix-make/lib/libipcf.so
	$(MAKE) --no-print-directory install PREFIX=/opt/ipcf DESTDIR=$(BUILD)/stage >/dev/null
	test "$$(cd $(BUILD)/stage/opt/ipcf && find . | sort)" = "$$(cd $(BUILD)/prefix-make && find . | sort)"

PREFIX    ?= /usr/local
install: $(LIB) $(BIN) ## install the CLI, libipcf.so, ipcf.h, the CMake package, ipcf.pc and the example into PREFIX (/usr/local; DESTDIR too)
	rm -rf $(BUILD)/cmake-install
	cmake -S . -B $(BUILD)/cmake-install -DCMAKE_INSTALL_PREFIX=$(abspath $(PREFIX)) -DIPCF_PREBUILT=$(CURDIR)/$(BUILD) \
	  -DIPCF_BUILD_TESTS=OFF >/dev/null
	cmake --build $(BUILD)/cmake-install
	DESTDIR=$(if $(DESTDIR),$(abspath $(DESTDIR))) cmake --install $(BUILD)/cmake-install

test-python: $(LIB) $(CUDA_EMU)/libcuda.so.1 $(FILEJOB)/params.txt ## Python binding: pytest, doctests, plots, the tutorial notebook headless, pip install
	@# tests/test_notebook.py executes examples/tutorial.ipynb (jupyter nbconvert) and keeps it in build/notebook.
	cd bindings/python && $(PYENV) IPCF_NOTEBOOK_OUT=$(CURDIR)/$(BUILD)/notebook $(PYTHON) -m pytest -q -p no:cacheprovider tests
	cd bindings/python && $(PYENV) $(PYTHON) -m pytest -q -p no:cacheprovider --doctest-modules ipcf
	rm -rf $(BUILD)/venv && $(PYTHON) -m venv --system-site-packages $(BUILD)/venv
	$(BUILD)/venv/bin/pip install -q --no-index bindings/python
	cd /tmp && $(CURDIR)/$(BUILD)/venv/bin/python -c "import ipcf, os; \
	  assert os.path.dirname(ipcf.__file__).startswith('$(CURDIR)/$(BUILD)/venv'), ipcf.__file__; \
	  print('pip-installed', ipcf.__version__, ipcf.pcf(ipcf.simulate(64, 12), radius=2).shape)"

test-octave: $(LIB) $(FILEJOB)/params.txt ## MATLAB/Octave MEX gateways: build with make.m, tests, Ctrl+C
	@# The gateways compile in MATLAB's configuration too (Octave's mex.h stands in for MATLAB's).
	for f in bindings/matlab/ipcf_*_mex.c; do $(CC) -fsyntax-only -std=c11 -Wall -Werror -DMATLAB_MEX_FILE -DIPCF_NO_UT \
	  -DmxArrayToUTF8String=mxArrayToString -Iinclude -Ibindings/matlab $$(mkoctfile -p INCFLAGS) $$f || exit 1; done
	cd bindings/matlab && octave-cli -q -H --no-window-system --eval "make"
	octave-cli -q -H --no-window-system --eval "addpath('bindings/matlab'); addpath('bindings/matlab/tests'); \
	  test_ipcf('$(abspath $(CONF))'); test_pcf_file('$(CURDIR)/$(FILEJOB)'); test_toolkit(); \
	  test_layout_read('$(CURDIR)/$(FILEJOB)'); test_channels(); test_fit('$(CURDIR)/$(BIN)')"
	timeout -k 10 600 octave-cli -q -H --no-window-system --eval "addpath('bindings/matlab'); addpath('bindings/matlab/tests'); \
	  test_badinput('$(CURDIR)/$(FILEJOB)')"
	bindings/matlab/tests/interrupt.sh
	bindings/matlab/tests/interrupt_file.sh
	bindings/matlab/tests/interrupt_fit.sh

IJ_CP     := /usr/share/java/ij.jar:/usr/share/java/jna.jar
FIJI_JAR  := $(BUILD)/fiji/ipcf_.jar
FIJI_SRC  := $(wildcard bindings/fiji/src/ipcf/*.java) bindings/fiji/plugins.config

$(FIJI_JAR): $(FIJI_SRC) $(LIB) ## the Fiji/ImageJ plugin jar (with libipcf.so inside)
	rm -rf $(BUILD)/fiji/jar && mkdir -p $(BUILD)/fiji/jar/linux-x86-64
	javac --release 8 -nowarn -cp $(IJ_CP) -d $(BUILD)/fiji/jar bindings/fiji/src/ipcf/*.java
	cp bindings/fiji/plugins.config $(BUILD)/fiji/jar/
	cp -L $(LIB) $(BUILD)/fiji/jar/linux-x86-64/libipcf.so
	cd $(BUILD)/fiji/jar && jar cf ../ipcf_.jar .

fiji: $(FIJI_JAR) ## build the Fiji plugin jar

$(BUILD)/fiji/test-classes/StressTest.class: bindings/fiji/tests/StressTest.java bindings/fiji/tests/Screenshots.java \
  bindings/fiji/tests/SiteInstall.java bindings/fiji/tests/CalibrationTest.java bindings/fiji/tests/ReplacedTest.java \
  bindings/fiji/tests/NpyHeaderTest.java bindings/fiji/tests/ParamsTest.java bindings/fiji/tests/DialogUnitsTest.java \
  bindings/fiji/tests/SummaryTest.java bindings/fiji/tests/LastWarningTest.java $(FIJI_JAR)
	mkdir -p $(BUILD)/fiji/test-classes
	javac --release 8 -nowarn -cp $(IJ_CP):$(FIJI_JAR) -d $(BUILD)/fiji/test-classes bindings/fiji/tests/*.java

# The update site (make fiji-site): what the ImageJ updater downloads (db.xml.gz,
# plugins/ipcf_.jar-TIMESTAMP, lib/linux64/libipcf.so-TIMESTAMP); upload the folder's content.
FIJI_SITE := $(BUILD)/fiji-site
.PHONY: fiji-site
fiji-site: $(FIJI_JAR) ## the Fiji update site folder build/fiji-site (the jar and lib/linux64/libipcf.so)
	$(PYTHON) bindings/fiji/site.py --classes $(BUILD)/fiji/jar --lib $(LIB) -o $(FIJI_SITE) \
	  --version $$(sed -n 's/^#define IPCF_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$$/\2/p' include/ipcf.h | paste -sd.)

# Headless macro tests (conformance, file jobs, toolkit, curves, bad input, no JNA), the JVM
# stress check, the update site installed as the updater does, and under Xvfb: the Screenshots
# driver (dialogs, Recorder, plots, the Results table, the message without JNA) and Debian's
# imagej with the plugin installed as the README says (install.sh: without and with jna.jar).
test-fiji: $(FIJI_JAR) $(BUILD)/fiji/test-classes/StressTest.class $(BIN) $(FILEJOB)/params.txt fiji-site ## headless ImageJ macro tests, JVM stress, update site, menu commands and install under Xvfb
	@# int16 copies of conformance inputs: ImageJ opens them as signed 16-bit images
	mkdir -p $(BUILD)/fiji/i2 && /usr/bin/python3 -c "import numpy, sys; [numpy.save('$(BUILD)/fiji/i2/' + n, \
	  numpy.load('$(CONF)/' + n).astype('<i2')) for n in ('pcf_basic.input.npy', 'bleach.input.npy')]"
	java -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test.ijm $(abspath $(CONF)) | tee $(BUILD)/fiji/test.log
	grep -q '^PASS' $(BUILD)/fiji/test.log && ! grep -q '^FAIL' $(BUILD)/fiji/test.log
	java -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test_file.ijm $(CURDIR)/$(FILEJOB) | tee $(BUILD)/fiji/test_file.log
	grep -q '^PASS' $(BUILD)/fiji/test_file.log && ! grep -q '^FAIL' $(BUILD)/fiji/test_file.log
	java -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test_toolkit.ijm | tee $(BUILD)/fiji/test_toolkit.log
	grep -q '^PASS: toolkit' $(BUILD)/fiji/test_toolkit.log && ! grep -q '^FAIL' $(BUILD)/fiji/test_toolkit.log
	timeout -k 10 600 java -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test_badinput.ijm $(CURDIR)/$(FILEJOB) | tee $(BUILD)/fiji/test_badinput.log
	grep -q '^PASS: bad input' $(BUILD)/fiji/test_badinput.log && ! grep -q '^FAIL' $(BUILD)/fiji/test_badinput.log
	java -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test_curves.ijm | tee $(BUILD)/fiji/test_curves.log
	grep -q '^PASS: curves' $(BUILD)/fiji/test_curves.log && ! grep -q '^FAIL' $(BUILD)/fiji/test_curves.log
	@# the Log (stdout when headless) counts the curves averaged, not the region's NaN ones
	grep -q "in selection: mean of 26 pixels (4 of the region's 30 left out" $(BUILD)/fiji/test_curves.log
	java -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test_fit.ijm $(CURDIR)/$(BIN) | tee $(BUILD)/fiji/test_fit.log
	grep -q '^PASS: fit' $(BUILD)/fiji/test_fit.log && ! grep -q '^FAIL' $(BUILD)/fiji/test_fit.log
	@# a calibration edited on a result is said (the fit keeps the curves' pixel size)
	grep -q 'its calibration (0.2 .m a pixel) is not the pixel size of its curves (ipcf.pixel_size 0.1 .m)' $(BUILD)/fiji/test_fit.log
	java -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test_sources.ijm | tee $(BUILD)/fiji/test_sources.log
	grep -q '^PASS: sources' $(BUILD)/fiji/test_sources.log && ! grep -q '^FAIL' $(BUILD)/fiji/test_sources.log
	@# under LANG=C: a result in a folder Java cannot name is written, and opening it says why
	rm -rf $(BUILD)/fiji/locale && mkdir -p "$(BUILD)/fiji/locale/donn$$(printf '\303\251')es"
	env -u LC_ALL -u LC_CTYPE LANG=C java -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test_locale.ijm "$(abspath $(CONF));$(CURDIR)/$(BUILD)/fiji/locale" | tee $(BUILD)/fiji/test_locale.log
	grep -q '^PASS: locale' $(BUILD)/fiji/test_locale.log && ! grep -q '^FAIL' $(BUILD)/fiji/test_locale.log
	grep -q "is not opened: .*file-name encoding" $(BUILD)/fiji/test_locale.log
	test -s "$(BUILD)/fiji/locale/donn$$(printf '\303\251')es/r.npy"
	@# a result larger than the heap left to ImageJ: refused before any work
	java -Xmx128m -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test_heap.ijm | tee $(BUILD)/fiji/test_heap.log
	grep -q '^PASS: heap' $(BUILD)/fiji/test_heap.log && ! grep -q '^FAIL' $(BUILD)/fiji/test_heap.log
	@# without jna.jar on the class path: messages saying how to install it (7 of them, see the macro)
	java -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp /usr/share/java/ij.jar ij.ImageJ \
	  -batch bindings/fiji/tests/test_nojna.ijm | tee $(BUILD)/fiji/test_nojna.log
	grep -q '^PASS: no JNA' $(BUILD)/fiji/test_nojna.log && ! grep -q '^FAIL' $(BUILD)/fiji/test_nojna.log
	test $$(grep -c '^ipcf error: ipcf needs JNA' $(BUILD)/fiji/test_nojna.log) -eq 7
	! grep -q 'not found' $(BUILD)/fiji/test_nojna.log
	java -Djava.awt.headless=true -cp $(IJ_CP):$(FIJI_JAR):$(BUILD)/fiji/test-classes StressTest 60
	$(PYTHON) bindings/fiji/tests/mm_tiff.py $(BUILD)/fiji/mm.tif
	java -Djava.awt.headless=true -cp $(IJ_CP):$(FIJI_JAR):$(BUILD)/fiji/test-classes CalibrationTest $(BUILD)/fiji/mm.tif
	java -Djava.awt.headless=true -cp $(IJ_CP):$(FIJI_JAR):$(BUILD)/fiji/test-classes ReplacedTest
	java -Djava.awt.headless=true -cp $(IJ_CP):$(FIJI_JAR):$(BUILD)/fiji/test-classes SummaryTest
	java -Djava.awt.headless=true -cp $(IJ_CP):$(FIJI_JAR):$(BUILD)/fiji/test-classes LastWarningTest
	java -Djava.awt.headless=true -cp $(IJ_CP):$(FIJI_JAR):$(BUILD)/fiji/test-classes NpyHeaderTest
	java -Djava.awt.headless=true -cp $(IJ_CP):$(FIJI_JAR):$(BUILD)/fiji/test-classes ParamsTest
	rm -rf $(BUILD)/fiji-root && java -cp $(BUILD)/fiji/test-classes SiteInstall $(FIJI_SITE) $(BUILD)/fiji-root
	java -Djava.awt.headless=true -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji-root -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test_site.ijm $(CURDIR)/$(BUILD)/fiji-root | tee $(BUILD)/fiji/test_site.log
	grep -q '^PASS: site install' $(BUILD)/fiji/test_site.log
	@test -f $(BUILD)/fiji/channel.npy || $(BIN) simulate -o $(BUILD)/fiji/channel.npy --frames 4096 --quiet
	timeout -k 10 600 xvfb-run -a -s "-screen 0 1280x1024x24" java -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji \
	  -cp $(IJ_CP):$(BUILD)/fiji/test-classes Screenshots $(CURDIR)/$(BUILD)/fiji/channel.npy $(BUILD)/fiji/shots
	@# menu commands from a macro (run("...", options)): their dialogs need the menus, a display
	timeout -k 10 120 xvfb-run -a -s "-screen 0 1280x1024x24" java -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji -cp $(IJ_CP) ij.ImageJ \
	  -batch bindings/fiji/tests/test_menu.ijm | tee $(BUILD)/fiji/test_menu.log
	grep -q '^DONE menu' $(BUILD)/fiji/test_menu.log && ! grep -q '^FAIL' $(BUILD)/fiji/test_menu.log
	test $$(grep -c '^PASS' $(BUILD)/fiji/test_menu.log) -eq 11
	grep -q '^ipcf error: second=red names an open image: a file job takes' $(BUILD)/fiji/test_menu.log
	grep -q '^ipcf error: roi: a file job takes a mask file' $(BUILD)/fiji/test_menu.log
	grep -q '^ipcf error: offset is for raw input' $(BUILD)/fiji/test_menu.log
	grep -q "^ipcf error: unknown option 'filtersize' (options: filter mean threads)" $(BUILD)/fiji/test_menu.log
	@# the file dialog, run twice: the next file's own units, not the last run's typed ones
	rm -rf $(BUILD)/fiji/dialog-units && timeout -k 10 300 xvfb-run -a -s "-screen 0 1280x1024x24" java -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji \
	  -cp $(IJ_CP):$(BUILD)/fiji/test-classes DialogUnitsTest $(BUILD)/fiji/dialog-units | tee $(BUILD)/fiji/dialog_units.log
	grep -q '^PASS: dialog units' $(BUILD)/fiji/dialog_units.log
	rm -rf $(BUILD)/fiji/nojna && mkdir -p $(BUILD)/fiji/nojna/ImageJ/plugins && cp $(FIJI_JAR) $(BUILD)/fiji/nojna/ImageJ/plugins/
	timeout -k 10 120 xvfb-run -a -s "-screen 0 1280x1024x24" java -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji/nojna/ImageJ \
	  -cp /usr/share/java/ij.jar:$(BUILD)/fiji/test-classes Screenshots --nojna $(BUILD)/fiji/shots
	sh bindings/fiji/tests/install.sh $(FIJI_JAR) $(BUILD)/fiji/install

screenshots: $(FIJI_JAR) $(BUILD)/fiji/test-classes/StressTest.class $(BIN) ## docs/fiji_*.png under Xvfb
	@test -f $(BUILD)/fiji/channel8k.npy || $(BIN) simulate -o $(BUILD)/fiji/channel8k.npy --frames 8192 --quiet
	timeout -k 10 600 xvfb-run -a -s "-screen 0 1280x1024x24" java -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji \
	  -cp $(IJ_CP):$(BUILD)/fiji/test-classes Screenshots $(CURDIR)/$(BUILD)/fiji/channel8k.npy docs
	rm -rf $(BUILD)/fiji/nojna && mkdir -p $(BUILD)/fiji/nojna/ImageJ/plugins && cp $(FIJI_JAR) $(BUILD)/fiji/nojna/ImageJ/plugins/
	timeout -k 10 120 xvfb-run -a -s "-screen 0 1280x1024x24" java -Dplugins.dir=$(CURDIR)/$(BUILD)/fiji/nojna/ImageJ \
	  -cp /usr/share/java/ij.jar:$(BUILD)/fiji/test-classes Screenshots --nojna docs

fuzz: deps ## run the native Go fuzz targets briefly (about 10 s each on this machine)
	@# Counts, not durations: a -fuzztime duration can end in a spurious "context
	@# deadline exceeded" (Go's fuzz coordinator, golang/go#75804, fixed in Go 1.27).
	$(GO) test -run XXX -fuzz FuzzArrayValidate -fuzztime 500000x -fuzzminimizetime 2s ./core/array
	$(GO) test -run XXX -fuzz FuzzSelfOverlaps -fuzztime 600000x -fuzzminimizetime 2s ./core/array
	$(GO) test -run XXX -fuzz FuzzCAPI -fuzztime 100000x -fuzzminimizetime 2s ./capi
	$(GO) test -run XXX -fuzz FuzzView -fuzztime 400000x -fuzzminimizetime 2s ./core/npy
	$(GO) test -run XXX -fuzz FuzzTIFF -fuzztime 150000x -fuzzminimizetime 5s ./core/source
	$(GO) test -run XXX -fuzz FuzzRaw -fuzztime 300000x -fuzzminimizetime 5s ./core/source
	$(GO) test -run XXX -fuzz '^FuzzJournal$$' -fuzztime 250000x -fuzzminimizetime 2s ./core/ooc
	$(GO) test -run XXX -fuzz FuzzSidecar -fuzztime 20000x -fuzzminimizetime 2s ./core/ooc
	$(GO) test -run XXX -fuzz FuzzPCFArgs -fuzztime 60000x -fuzzminimizetime 2s ./cmd/ipcf
	$(GO) test -run XXX -fuzz FuzzFit -fuzztime 250000x -fuzzminimizetime 2s ./core/fit
	$(GO) test -run XXX -fuzz FuzzFit -fuzztime 50000x -fuzzminimizetime 2s ./capi

demo: $(BIN) ## simulate the default dataset, compute its pCF, write pictures
	@mkdir -p $(BUILD)/demo
	@$(BIN) version
	@test -f $(BUILD)/demo/channel.npy || { echo "simulating 32000 frames of 64x64 pixels (diagonal channel) ..."; \
	  $(BIN) simulate -o $(BUILD)/demo/channel.npy; }
	$(BIN) pcf $(BUILD)/demo/channel.npy -o $(BUILD)/demo/channel.pcf.npy --radius 6 --npoints 32 --nbins 32
	@# pictures of builds before plot wrote sidecars would be refused as users' files
	@for f in pcf_along pcf_across carpet mean; do test -f $(BUILD)/demo/$$f.png.json || rm -f $(BUILD)/demo/$$f.png; done
	$(BIN) plot $(BUILD)/demo/channel.pcf.npy --point 4 --bin 12 -o $(BUILD)/demo/pcf_along.png
	$(BIN) plot $(BUILD)/demo/channel.pcf.npy --point 12 --bin 12 -o $(BUILD)/demo/pcf_across.png
	$(BIN) plot $(BUILD)/demo/channel.pcf.npy --pixel 26,26 -o $(BUILD)/demo/carpet.png
	$(BIN) plot --mean $(BUILD)/demo/channel.npy -o $(BUILD)/demo/mean.png
	@echo "results in $(BUILD)/demo: channel.npy (input), channel.pcf.npy (pCF), *.png (pictures)"

bench: $(BIN) $(LIB) ## benchmarks: engine, FFT kernel, CLI and Python on the default dataset
	$(GO) test -run XXX -bench 'Pair2|Pairs|Inverse16384|SpectraU16' -benchtime 200x ./core/internal/fft
	$(GO) test -run XXX -bench Compute -benchtime 3x ./core/pcf
	$(GO) test -run XXX -bench ErrorBars -benchtime 2x ./core/pcf
	$(GO) test -run XXX -bench ReadStack -benchtime 5x ./core/source
	$(GO) test -run XXX -bench FileCRC -benchtime 5x ./core/ooc
	IPCF_BIN=$(CURDIR)/$(BIN) $(GO) test -run XXX -bench DefaultDataset -benchtime 3x ./cmd/ipcf
	$(GO) test -run XXX -bench 'Stack|CorrectorGather' -benchtime 1x ./core/bleach
	$(GO) test -run XXX -bench FitVsComputeDefaultDataset -benchtime 1x ./core/fit
	IPCF_BIN=$(CURDIR)/$(BIN) $(GO) test -run XXX -bench OutOfCore -benchtime 2x ./cmd/ipcf
	/usr/bin/time -f 'ipcf bleach, default dataset, filter 1024, 2 threads: %U s user %S s sys %e s wall' \
	  $(BIN) bleach $(BUILD)/demo/channel.npy -o $(BUILD)/demo/bleach.npy --filtersize 1024 --threads 2 --quiet
	$(PYENV) $(PYTHON) bindings/python/bench.py

BIG       ?= $(BUILD)/big
bench-big: $(BIN) ## full-frame out-of-core benchmark (1024x512x16384, 17 GB; not in CI)
	@mkdir -p $(BIG)
	$(GO) build -o $(BUILD)/bin/gennoise ./tools/gennoise
	@test -f $(BIG)/frames.raw || { echo "writing $(BIG)/frames.raw (17 GB) ..."; \
	  $(BUILD)/bin/gennoise -o $(BIG)/frames.raw -frames 16384 -height 512 -width 1024; }
	rm -rf $(BIG)/result.npy $(BIG)/.ipcf-scratch-*
	sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
	/usr/bin/time -v $(BIN) pcf $(BIG)/frames.raw --shape 16384,512,1024 --dtype uint16 \
	  -o $(BIG)/result.npy --memory 2GiB --threads 2 2>&1 | tee $(BIG)/bench.log | \
	  grep -E "pcf:|Elapsed|User time|System time|Maximum resident|File system outputs"

wisdom: ## regenerate the embedded FFTW wisdom (every transform, 2^2..2^20, each the fastest of 3 plans; about 10 minutes on a quiet machine)
	@mkdir -p $(BUILD)
	$(CC) -O2 core/internal/fft/wisdomgen/wisdomgen.c -lfftw3f -o $(BUILD)/wisdomgen
	$(BUILD)/wisdomgen 17 20 3 > $(BUILD)/wisdom.txt
	mv $(BUILD)/wisdom.txt core/internal/fft/wisdom.txt

clean: ## remove build outputs
	rm -rf $(BUILD)
