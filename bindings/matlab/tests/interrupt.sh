#!/usr/bin/env bash
# Ctrl+C during ipcf_pcf in Octave: SIGINT must cancel the computation with
# the error ipcf:cancelled within a second and leave Octave usable.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
octave-cli -q -H --eval "
addpath('$here');
data = uint16(randi(200, 16384, 64, 64));
disp('ready'); fflush(stdout);
t0 = tic;
try
  G = ipcf_pcf(data, 'Threads', 1);
  disp('finished');
catch err
  printf('caught %s after %.2f s\n', err.identifier, toc(t0));
end
printf('usable %s\n', ipcf_version());
" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q ready "$log" && break; sleep 0.1; done
sleep 0.5
start=$(date +%s.%N)
kill -INT "$pid"
wait "$pid"
end=$(date +%s.%N)
cat "$log"
grep -q "caught ipcf:cancelled" "$log" || { echo "FAIL: no ipcf:cancelled"; exit 1; }
grep -q "usable" "$log" || { echo "FAIL: Octave not usable after the interrupt"; exit 1; }
awk -v s="$start" -v e="$end" 'BEGIN { if (e - s > 2) { print "FAIL: took " e - s " s"; exit 1 } }'
echo "PASS: Ctrl+C cancels ipcf_pcf in Octave"

# Other signals Octave handles must not cancel: a child process that ends
# (SIGCHLD: system(..., 'async'), popen, gnuplot) cancelled the computation
# as if Ctrl+C had been pressed (ipcf:cancelled), since the gateways read
# octave_signal_caught, which Octave sets for every signal it handles.
octave-cli -q -H --eval "
addpath('$here');
data = uint16(randi(200, 8192, 48, 48));
want = ipcf_pcf(data, 'Threads', 1);
pid = system('sleep 0.2', false, 'async');  % ends during the next call
t0 = tic;
try
  G = ipcf_pcf(data, 'Threads', 1);
  printf('finished after %.2f s, equal %d\n', toc(t0), isequaln(G, want));
catch err
  printf('caught %s after %.2f s\n', err.identifier, toc(t0));
end
" >"$log" 2>&1
cat "$log"
grep -q "finished after .* equal 1" "$log" || { echo "FAIL: a child process ending cancelled ipcf_pcf"; exit 1; }
echo "PASS: SIGCHLD does not cancel ipcf_pcf in Octave"
