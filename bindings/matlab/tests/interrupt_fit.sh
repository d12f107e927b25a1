#!/usr/bin/env bash
# Ctrl+C during ipcf_pcf_errors and ipcf_fit in Octave: SIGINT must cancel
# the computation with the error ipcf:cancelled within a second or two and
# leave Octave usable (the progress callback of ipcf_mexutil.h). Each call
# would run for some ten seconds or more; the interrupt comes 0.5 s after it
# started.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run NAME SETUP CALL: CALL must be cancelled by SIGINT.
run() {
  local name=$1 setup=$2 call=$3 pid start end
  : >"$log"
  octave-cli -q -H --no-window-system --eval "
addpath('$here');
$setup
disp('ready'); fflush(stdout);
t0 = tic;
try
  $call
  disp('finished');
catch err
  printf('caught %s after %.2f s: %s\n', err.identifier, toc(t0), err.message);
end
printf('usable %s\n', ipcf_version());
" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do grep -q ready "$log" && break; sleep 0.1; done
  grep -q ready "$log" || { cat "$log"; echo "FAIL: $name: Octave did not start"; kill "$pid"; exit 1; }
  sleep 0.5
  start=$(date +%s.%N)
  kill -INT "$pid"
  wait "$pid" || true
  end=$(date +%s.%N)
  cat "$log"
  grep -q "caught ipcf:cancelled" "$log" || { echo "FAIL: $name: no ipcf:cancelled"; exit 1; }
  grep -q "usable" "$log" || { echo "FAIL: $name: Octave not usable after the interrupt"; exit 1; }
  awk -v s="$start" -v e="$end" -v n="$name" 'BEGIN { if (e - s > 3) { print "FAIL: " n ": took " e - s " s"; exit 1 } }'
  echo "PASS: Ctrl+C cancels $name in Octave"
}

run ipcf_pcf_errors "data = uint16(randi(200, 8192, 48, 48));" \
  "sd = ipcf_pcf_errors(data, 'Threads', 1, 'Radius', 4, 'Points', 8);"
# random curves: ccf2d fits of a pixel's 16 curves take about a millisecond each
run ipcf_fit "randn('seed', 1); G = single(0.01 * randn(160, 160, 16, 32)); uv = [repmat([2 0], 8, 1); repmat([0 2], 8, 1)];" \
  "maps = ipcf_fit(G, 'Delays', 0:31, 'Offsets', uv, 'Model', 'ccf2d', 'Threads', 1);"
