import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
sys.path.insert(0, HERE)


import pytest  # noqa: E402

ROOT = os.path.join(HERE, '..', '..', '..')


@pytest.fixture
def emu():
    """The emulated CUDA device's folder (IPCF_CUDA_LIBDIR for a child
    process): IPCF_CUDA_EMU_DIR, else build/cuda-emu; missing, a failure
    naming `make cuda-emu`, not a skip."""
    d = os.environ.get('IPCF_CUDA_EMU_DIR') or os.path.join(ROOT, 'build', 'cuda-emu')
    assert os.path.exists(os.path.join(d, 'libcuda.so.1')), f'{d}: make cuda-emu builds the emulated device'
    return d
