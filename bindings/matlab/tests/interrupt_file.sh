#!/usr/bin/env bash
# Ctrl+C during ipcf_pcf_file in Octave: SIGINT must cancel the file job
# with the error ipcf:cancelled within two seconds, leave no output, and
# leave Octave usable; running the job again then completes it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
dir=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$dir"' EXIT
octave-cli -q -H --no-window-system --eval "
addpath('$here');
fid = fopen('$dir/stack.raw', 'w'); fwrite(fid, uint16(randi(200, 64 * 64 * 16384, 1)), 'uint16'); fclose(fid);
args = {'Shape', [16384 64 64], 'Engine', 'ooc', 'Tile', [4 16], 'Radius', 6, 'Npoints', 32};  % about 1.5 s on one thread
disp('ready'); fflush(stdout);
t0 = tic;
try
  ipcf_pcf_file('$dir/stack.raw', '$dir/out.npy', args{:}, 'Threads', 1);
  disp('finished');
catch err
  printf('caught %s after %.2f s: %s\n', err.identifier, toc(t0), err.message);
end
printf('output exists %d\n', exist('$dir/out.npy', 'file') ~= 0);
printf('usable %s\n', ipcf_version());
fflush(stdout);
% the same job with all threads (an option is given once: a repeated one is an error)
[~, s] = ipcf_pcf_file('$dir/stack.raw', '$dir/out.npy', args{:}, 'Threads', 0);
printf('rerun engine %s, %d tiles, %d resumed\n', s.engine, s.tiles, s.resumed);
" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do grep -q ready "$log" && break; sleep 0.1; done
sleep 0.2
start=$(date +%s.%N)
kill -INT "$pid"
for _ in $(seq 1 100); do grep -q "caught\|finished" "$log" && break; sleep 0.05; done
end=$(date +%s.%N)
wait "$pid"
cat "$log"
grep -q "caught ipcf:cancelled" "$log" || { echo "FAIL: no ipcf:cancelled"; exit 1; }
grep -q "output exists 0" "$log" || { echo "FAIL: a cancelled job left an output"; exit 1; }
grep -q "usable" "$log" || { echo "FAIL: Octave not usable after the interrupt"; exit 1; }
grep -q "rerun engine ooc" "$log" || { echo "FAIL: the rerun failed"; exit 1; }
awk -v s="$start" -v e="$end" 'BEGIN { if (e - s > 2) { print "FAIL: took " e - s " s"; exit 1 } }'
echo "PASS: Ctrl+C cancels ipcf_pcf_file in Octave"
