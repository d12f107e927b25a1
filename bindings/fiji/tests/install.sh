#!/bin/sh
# The plugin installed as the README says into Debian's ImageJ (/usr/bin/imagej, a fresh HOME,
# under Xvfb), once without jna.jar (the commands and call() say how to install it) and once
# with it (a recorded macro: the pCF command, Plot pCF Curves at a point and per ROI Manager
# ROI, the Results table). Usage: install.sh build/fiji/ipcf_.jar WORKDIR
set -eu
jar=$(readlink -f "$1")
work=$(readlink -f "$2")
tests=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
run_imagej() { # HOME MACRO DIR: Debian's launcher, the macro with DIR as its argument
    HOME="$1" timeout -k 10 120 xvfb-run -a -s "-screen 0 1280x1024x24" imagej -x 1000 -m "$2" "$3" \
        >"$3/imagej.log" 2>&1 || echo "imagej exited with $? (the report decides)"
}

# 1. Without JNA: the README's steps but the jna.jar one.
home="$work/nojna-home"
mkdir -p "$home/.imagej/plugins" "$work/nojna"
cp "$jar" "$home/.imagej/plugins/"
run_imagej "$home" "$tests/nojna.ijm" "$work/nojna"
r="$work/nojna/report.txt"
test -f "$r" || { cat "$work/nojna/imagej.log"; fail "no JNA: no report"; }
cat "$r"
grep -q '^end$' "$r" || fail "no JNA: the macro did not finish"
grep -q '^menu: ipcf.Pair_Correlation$' "$r" || fail "no JNA: the plugin is not in the menu"
grep -q "^log: ipcf error: ipcf needs JNA" "$r" || fail "no JNA: the command did not say JNA is missing"
grep -q "Copy jna.jar into $home/.imagej/plugins/jars and restart ImageJ" "$r" || fail "no JNA: the message does not name plugins/jars"
grep -q "^call: error: ipcf needs JNA" "$r" || fail "no JNA: call() did not say JNA is missing"
! grep -q "Plugin or class not found" "$r" "$work/nojna/imagej.log" || fail "no JNA: ImageJ said 'Plugin or class not found'"
echo "PASS: without jna.jar, the command and call() say how to install it"

# 2. As the README says: the jar in plugins/, Debian's jna.jar in plugins/jars/; a recorded macro.
home="$work/jna-home"
mkdir -p "$home/.imagej/plugins/jars" "$work/jna"
cp "$jar" "$home/.imagej/plugins/"
cp /usr/share/java/jna.jar "$home/.imagej/plugins/jars/"
java -Djava.awt.headless=true -cp /usr/share/java/ij.jar ij.ImageJ -batch "$tests/cells.ijm" "$work/jna/cells.tif" >/dev/null
run_imagej "$home" "$tests/recorded.ijm" "$work/jna"
r="$work/jna/report.txt"
test -f "$r" || { cat "$work/jna/imagej.log"; fail "with JNA: no report"; }
cat "$r"
grep -q '^end$' "$r" || fail "with JNA: the macro did not finish"
! grep -q '^FAIL' "$r" || fail "with JNA: the recorded macro's checks failed"
echo "PASS: installed as the README says, a recorded macro runs the pCF, plots the curves and fills the Results table"
