#!/bin/bash
# gpu_check.sh: checks and times ipcf's GPU path on a machine with an
# NVIDIA GPU, its driver, NVRTC and cuFFT, and Python with numpy; no Go
# (carry build/bin/ipcf over, and libfftw3f.so.3 into build/lib/ if the
# machine lacks it). At most about 3 minutes:
#
#   1. every pcf case of the conformance folders with --device cuda,
#      within atol 1e-6 of the expected values;
#   2. the default dataset (ipcf simulate: 64 x 64 pixels, 32,000 frames)
#      with --device cuda against --device cpu, within 1e-6;
#   3. timings of the default dataset and of a synthetic 1024 x 512 x
#      16,384 uint16 file (17 GB): end to end from the file, and the GPU
#      time (device work and transfers, from IPCF_CUDA_STATS), as a table.
#
# usage: tools/gpu_check.sh [--ipcf PATH] [--cases DIR]... [--work DIR]
#                           [--small] [--no-big]
#   --small   small sizes (for the emulated device: IPCF_CUDA_LIBDIR=build/cuda-emu)
#   --no-big  skip the synthetic 1024 x 512 x 16,384 run
# Exit status 0 when every check passes.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
ipcf=$here/build/bin/ipcf
cases=()
work=
small=0
big=1
while [ $# -gt 0 ]; do
  case $1 in
    --ipcf) ipcf=$2; shift 2 ;;
    --cases) cases+=("$2"); shift 2 ;;
    --work) work=$2; shift 2 ;;
    --small) small=1; shift ;;
    --no-big) big=0; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "gpu_check: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#cases[@]} -gt 0 ] || cases=("$here/../shared/conformance" "$here/testdata/golden")
if [ -z "$work" ]; then
  work=$(mktemp -d /tmp/ipcf-gpu-check.XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
export LD_LIBRARY_PATH="$(dirname "$ipcf")/../lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export IPCF_CUDA_STATS=$work/stats.txt
py=${PYTHON:-python3}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

if ! "$ipcf" version >/dev/null 2>&1; then
  echo "gpu_check: cannot run $ipcf:"; "$ipcf" version || true; ldd "$ipcf" || true; exit 1
fi
"$py" -c 'import numpy' || { echo "gpu_check: python3 with numpy is needed"; exit 1; }
devs=$("$ipcf" devices)
echo "ipcf $("$ipcf" version | head -1); devices: $devs"
case $devs in cuda:*) ;; *) echo "FAIL: no usable CUDA device"; exit 1 ;; esac

# compare A.npy B.npy: max abs difference; NaN where the other has NaN.
compare() {
  "$py" - "$1" "$2" <<'EOF'
import sys, numpy as np
a, b = np.load(sys.argv[1]).astype(np.float64), np.load(sys.argv[2]).astype(np.float64)
if a.shape != b.shape:
    print("shape %s != %s" % (a.shape, b.shape)); sys.exit(0)
if (np.isnan(a) != np.isnan(b)).any():
    print("NaN mismatch at %d values" % (np.isnan(a) != np.isnan(b)).sum()); sys.exit(0)
m = np.isfinite(a)
print("%.3g" % (np.abs(a[m] - b[m]).max() if m.any() else 0.0))
EOF
}
ok() { "$py" -c "import sys; sys.exit(0 if float('$1') <= $2 else 1)" 2>/dev/null; }

# run NAME DEVICE ARGS...: ipcf pcf with timing; sets secs and gpus.
run() {
  local name=$1 dev=$2; shift 2
  : >"$IPCF_CUDA_STATS"
  local t0 t1
  t0=$(date +%s.%N)
  if ! "$ipcf" pcf "$@" --device "$dev" --quiet 2>"$work/err.txt"; then
    fail "$name --device $dev: $(cat "$work/err.txt")"; secs=nan; gpus=nan; return 1
  fi
  t1=$(date +%s.%N)
  secs=$("$py" -c "print('%.2f' % ($t1 - $t0))")
  gpus=$(awk '{for (i = 1; i <= NF; i++) if ($i ~ /^total_s=/) s += substr($i, 9)} END {printf "%.2f", s}' "$IPCF_CUDA_STATS")
  if [ "$dev" = cuda ] && ! grep -q ipcf_cuda_pcf "$IPCF_CUDA_STATS"; then
    fail "$name: nothing ran on the GPU"
  fi
}

# 1. Conformance through the CLI.
echo "== conformance, --device cuda, atol 1e-6"
ncase=0
for dir in "${cases[@]}"; do
  [ -f "$dir/manifest.json" ] || { fail "no $dir/manifest.json"; continue; }
  while read -r name input radius npoints nbins filtersize mean expected; do
    args=("$dir/$input" -o "$work/case.npy" --radius "$radius" --npoints "$npoints" --nbins "$nbins")
    if [ "$filtersize" != 0 ]; then
      args+=(--bleach "$filtersize")
      case $mean in floor|int) args+=(--bleach-mean floor) ;; esac
    fi
    run "$name" cuda "${args[@]}" || continue
    err=$(compare "$work/case.npy" "$dir/$expected")
    ncase=$((ncase + 1))
    if ok "$err" 1e-6; then echo "ok   $(basename "$dir")/$name: max abs error $err"
    else fail "$(basename "$dir")/$name: $err"; fi
  done < <("$py" - "$dir/manifest.json" <<'EOF'
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    if c["op"] not in ("pcf", "bleach+pcf"):
        continue
    p = c["params"]
    for o in c["outputs"]:
        if o["role"] == "expected":
            print(c["name"], c["input"]["file"], p["radius"], p["npoints"], p["nbins"],
                  p.get("filtersize", 0), p.get("mean", "real"), o["file"])
EOF
)
done
[ $ncase -ge 4 ] || fail "only $ncase conformance cases ran"

# 2. The default dataset, GPU against CPU.
if [ $small = 1 ]; then simargs=(--frames 2048 --size 32); else simargs=(); fi
echo "== default dataset: ipcf simulate ${simargs[*]}"
rm -f "$work/sim.npy" "$work/sim.npy.json"  # the work folder's own: simulate replaces only its own output
"$ipcf" simulate -o "$work/sim.npy" "${simargs[@]}" --quiet
rows=()
if run default cpu "$work/sim.npy" -o "$work/sim.cpu.npy"; then rows+=("default dataset|cpu|$secs|-|"); fi
if run default cuda "$work/sim.npy" -o "$work/sim.cuda.npy"; then
  err=$(compare "$work/sim.cuda.npy" "$work/sim.cpu.npy")
  rows+=("default dataset|cuda|$secs|$gpus|$err")
  if ok "$err" 1e-6; then echo "ok   default dataset: GPU vs CPU max abs difference $err"
  else fail "default dataset: GPU vs CPU $err"; fi
fi

# 3. The synthetic full frame: 1024 x 512 pixels, 16,384 frames.
if [ $big = 1 ]; then
  if [ $small = 1 ]; then shape="512 64 48"; else shape="16384 512 1024"; fi
  echo "== synthetic $shape (frames rows columns), writing the file"
  "$py" - "$work/big.npy" $shape <<'EOF'
import sys, numpy as np
t, h, w = map(int, sys.argv[2:])
m = np.lib.format.open_memmap(sys.argv[1], mode="w+", dtype="<u2", shape=(t, h, w))
rng = np.random.default_rng(1)
k = min(t, 64)
blk = rng.poisson(20, size=(k, h, w)).astype("<u2")
for i in range(0, t, k):
    m[i:i + k] = np.roll(blk, i // k, axis=2)[: t - i]
m.flush()
EOF
  if run synthetic cuda "$work/big.npy" -o "$work/big.out.npy"; then
    rows+=("synthetic $shape|cuda|$secs|$gpus|")
  fi
  rm -f "$work/big.npy" "$work/big.out.npy"
fi

echo
echo "| job | device | end to end s | GPU s | max abs diff to CPU |"
echo "|---|---|---:|---:|---:|"
for r in "${rows[@]}"; do echo "| ${r//|/ | } |"; done
echo
if [ $fails -gt 0 ]; then echo "gpu_check: $fails FAILED"; exit 1; fi
echo "gpu_check: all passed"
