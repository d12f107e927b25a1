package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// headerFunc is a function declared in include/ipcf.h with the comment
// block that documents it (the one right above it, or above its group).
type headerFunc struct {
	name, doc string
	line      int
}

var declRE = regexp.MustCompile(`^[a-z][^(]*?\b(ipcf_\w+)\s*\(`)

// parseHeader returns the functions declared in include/ipcf.h, in order.
func parseHeader(t *testing.T) []headerFunc {
	t.Helper()
	b, err := os.ReadFile("../include/ipcf.h")
	if err != nil {
		t.Fatal(err)
	}
	var funcs []headerFunc
	var doc strings.Builder
	inComment, inDecl := false, false
	for i, line := range strings.Split(string(b), "\n") {
		trim := strings.TrimSpace(line)
		switch {
		case inComment:
			doc.WriteString(line + "\n")
			if strings.Contains(line, "*/") {
				inComment = false
			}
			continue
		case strings.HasPrefix(trim, "/*"):
			doc.Reset()
			doc.WriteString(line + "\n")
			inComment = !strings.Contains(line, "*/")
			inDecl = false
			continue
		case trim == "":
			if inDecl {
				doc.Reset()
				inDecl = false
			}
			continue
		}
		if strings.HasPrefix(line, "typedef") || strings.HasPrefix(line, "#") {
			doc.Reset()
			continue
		}
		if m := declRE.FindStringSubmatch(line); m != nil {
			funcs = append(funcs, headerFunc{name: m[1], doc: doc.String(), line: i + 1})
			inDecl = true
		}
	}
	if len(funcs) < 20 {
		t.Fatalf("found only %d declarations in include/ipcf.h: the parser is broken", len(funcs))
	}
	return funcs
}

func headerNames(t *testing.T) []string {
	var names []string
	for _, f := range parseHeader(t) {
		names = append(names, f.name)
	}
	slices.Sort(names)
	return names
}

// diff reports names only in want and only in got.
func diffNames(t *testing.T, what string, want, got []string) {
	t.Helper()
	for _, n := range want {
		if !slices.Contains(got, n) {
			t.Errorf("%s: %s is declared in include/ipcf.h but missing", what, n)
		}
	}
	for _, n := range got {
		if !slices.Contains(want, n) {
			t.Errorf("%s: %s is not a function of include/ipcf.h", what, n)
		}
	}
}

// TestHeaderDocs checks that every declaration says since which version it
// exists and what it returns.
func TestHeaderDocs(t *testing.T) {
	since := regexp.MustCompile(`Since 0\.[0-9]+`)
	for _, f := range parseHeader(t) {
		if !strings.Contains(f.doc, f.name) {
			t.Errorf("ipcf.h:%d: %s: its comment does not name it:\n%s", f.line, f.name, f.doc)
		}
		if !since.MatchString(f.doc) {
			t.Errorf("ipcf.h:%d: %s: no \"Since 0.x\" in its comment", f.line, f.name)
		}
		if !strings.Contains(f.doc, "Returns") {
			t.Errorf("ipcf.h:%d: %s: no \"Returns\" in its comment", f.line, f.name)
		}
	}
}

// TestExportsMap checks that the linker version script lists exactly the
// header's functions.
func TestExportsMap(t *testing.T) {
	f, err := os.Open("exports.map")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	global := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		s := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(s, "global:"):
			global = true
			s = strings.TrimSpace(strings.TrimPrefix(s, "global:"))
		case strings.HasPrefix(s, "local:"):
			global = false
			if s != "local: *;" {
				t.Errorf("exports.map: %q, want \"local: *;\"", s)
			}
		}
		if global && strings.HasSuffix(s, ";") {
			n := strings.TrimSuffix(s, ";")
			if strings.ContainsAny(n, "*?[") {
				t.Errorf("exports.map: %q is a pattern; list every name", n)
			}
			got = append(got, n)
		}
	}
	slices.Sort(got)
	diffNames(t, "exports.map", headerNames(t), got)
}

// TestExportedSymbols compares the dynamic symbols of the built library with
// the header. IPCF_LIB names the library (make test-c sets it); without it
// ../build/lib/libipcf.so is used if it exists.
func TestExportedSymbols(t *testing.T) {
	lib := os.Getenv("IPCF_LIB")
	if lib == "" {
		lib = filepath.Join("..", "build", "lib", "libipcf.so")
		if _, err := os.Stat(lib); err != nil {
			t.Skip("no built library; make build/lib/libipcf.so, or set IPCF_LIB")
		}
	}
	out, err := exec.Command("nm", "-D", "--defined-only", lib).Output()
	if err != nil {
		t.Fatalf("nm -D --defined-only %s: %v", lib, err)
	}
	var got []string
	for _, line := range strings.Split(string(out), "\n") {
		fs := strings.Fields(line)
		if len(fs) == 0 {
			continue
		}
		n := fs[len(fs)-1]
		if i := strings.IndexByte(n, '@'); i >= 0 {
			n = n[:i]
		}
		got = append(got, n)
	}
	slices.Sort(got)
	got = slices.Compact(got)
	diffNames(t, "nm -D "+lib, headerNames(t), got)
}

// TestForkCheckFirst checks abi.c: every //export ipcfgo_* of the Go files
// has a C entry point whose body tests the fork flag before it calls Go.
func TestForkCheckFirst(t *testing.T) {
	src, err := os.ReadFile("abi.c")
	if err != nil {
		t.Fatal(err)
	}
	c := string(src)
	exportRE := regexp.MustCompile(`(?m)^//export (ipcfgo_\w+)$`)
	files, _ := filepath.Glob("*.go")
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range exportRE.FindAllStringSubmatch(string(b), -1) {
			n++
			name := strings.TrimPrefix(m[1], "ipcfgo_")
			if strings.Contains(c, "IPCF_INIT("+name+",") {
				continue // the macro holds the flag test and IPCF_SAME_TYPE
			}
			if !strings.Contains(c, "IPCF_SAME_TYPE("+name+")") {
				t.Errorf("%s: %s has no IPCF_SAME_TYPE(%s) in abi.c", f, m[1], name)
			}
			// The call must come after the flag test, in the same body.
			call := strings.Index(c, m[1]+"(")
			if call < 0 {
				t.Errorf("abi.c never calls %s", m[1])
				continue
			}
			body := c[:call]
			body = body[strings.LastIndex(body, "\n}")+1:]
			if !strings.Contains(body, "IPCF_FORK_CHECK(") && !strings.Contains(body, "if (ipcf_in_child())") {
				t.Errorf("abi.c calls %s without testing the fork flag first:\n%s", m[1], body)
			}
		}
	}
	if n < 15 {
		t.Fatalf("found only %d //export ipcfgo_* functions", n)
	}
}
