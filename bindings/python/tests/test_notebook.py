"""The tutorial notebook (examples/tutorial.ipynb) runs headless with
Debian's jupyter packages (jupyter nbconvert --execute on an ipykernel) and
makes its figures: one image in each figure cell, tables, checks and
progress bars where they belong.

IPCF_NOTEBOOK_OUT=DIR keeps the executed notebook there (make test-python
writes build/notebook/tutorial.ipynb)."""

import base64
import json
import os
import re
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BINDING = os.path.dirname(HERE)
NOTEBOOK = os.path.join(BINDING, 'examples', 'tutorial.ipynb')
DEB = 'jupyter-nbconvert python3-nbformat python3-nbclient python3-ipykernel python3-xarray'


def code_cells(nb):
    return [c for c in nb['cells'] if c['cell_type'] == 'code']


def tags(cell):
    return cell.get('metadata', {}).get('tags', [])


def text(value):
    return ''.join(value) if isinstance(value, list) else value


def png_size(blob):
    assert blob[:8] == b'\x89PNG\r\n\x1a\n', blob[:16]
    return int.from_bytes(blob[16:20], 'big'), int.from_bytes(blob[20:24], 'big')


def test_the_committed_notebook_has_no_outputs():
    with open(NOTEBOOK, encoding='utf-8') as fh:
        nb = json.load(fh)
    assert nb['nbformat'] == 4 and nb['metadata']['kernelspec']['name'] == 'python3'
    cells = code_cells(nb)
    assert all(c['outputs'] == [] and c['execution_count'] is None for c in cells)
    assert sum('figure' in tags(c) for c in cells) >= 8
    source = '\n'.join(text(c['source']) for c in cells)
    for needle in ('ipcf.simulate(', 'ipcf.pcf(', 'ipcf.acf(', 'delta=True', 'labelled=True', 'frame_interval',
                   'pixel_size', 'time_axis=', 'ax=', 'ipcf.fit(', 'ipcf.pcf_errors(', 'errorbar(', 'colorbar('):
        assert needle in source, needle
    titles = [text(c['source']).split('\n')[0] for c in nb['cells'] if c['cell_type'] == 'markdown']
    assert '## 7. From curves to answers' in titles, titles


@pytest.fixture(scope='module')
def executed(tmp_path_factory):
    try:
        import ipykernel  # noqa: F401
        import nbclient  # noqa: F401
        import nbconvert  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError as exc:
        pytest.fail(f'{exc}: the notebook test needs Debian\'s {DEB} (make deps installs them)')
    out = os.environ.get('IPCF_NOTEBOOK_OUT') or str(tmp_path_factory.mktemp('notebook'))
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(p for p in (BINDING, env.get('PYTHONPATH')) if p)
    env.pop('MPLBACKEND', None)  # the kernel's own: matplotlib-inline
    env['PYDEVD_DISABLE_FILE_VALIDATION'] = '1'
    cmd = [sys.executable, '-m', 'nbconvert', '--to', 'notebook', '--execute',
           '--ExecutePreprocessor.timeout=300', '--ExecutePreprocessor.kernel_name=python3',
           '--output-dir', out, '--output', 'tutorial.ipynb', NOTEBOOK]
    t0 = time.monotonic()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    elapsed = time.monotonic() - t0
    assert r.returncode == 0, r.stderr[-6000:]
    with open(os.path.join(out, 'tutorial.ipynb'), encoding='utf-8') as fh:
        return json.load(fh), elapsed


def test_runs_headless_quickly_without_errors(executed):
    nb, elapsed = executed
    cells = code_cells(nb)
    assert all(c['execution_count'] for c in cells)
    errors = [o for c in cells for o in c['outputs'] if o['output_type'] == 'error']
    assert not errors, errors
    assert elapsed < 120, f'the notebook took {elapsed:.0f} s'


def test_every_figure_cell_shows_one_image(executed):
    nb, _ = executed
    figures = [c for c in code_cells(nb) if 'figure' in tags(c)]
    assert len(figures) >= 8
    for cell in figures:
        images = [o for o in cell['outputs'] if 'image/png' in o.get('data', {})]
        # One: a figure of ours shown as the cell's value, or a pyplot figure shown once (not twice).
        assert len(images) == 1, (text(cell['source']), [o['output_type'] for o in cell['outputs']])
        blob = base64.b64decode(text(images[0]['data']['image/png']))
        w, h = png_size(blob)
        assert w >= 500 and h >= 300 and len(blob) > 20000, (w, h, len(blob), text(cell['source']))
    # No other cell makes an image.
    others = [c for c in code_cells(nb) if 'figure' not in tags(c)]
    assert not [o for c in others for o in c['outputs'] if 'image/png' in o.get('data', {})]


def test_the_labelled_result_and_the_checks(executed):
    nb, _ = executed
    cells = code_cells(nb)
    html = [text(o['data']['text/html']) for c in cells if 'labelled' in tags(c) for o in c['outputs']
            if 'text/html' in o.get('data', {})]
    assert len(html) == 1 and 'xarray.DataArray' in html[0]
    for name in ('delay_s', 'distance_um', 'offset', 'frame_interval'):
        assert name in html[0], name
    stdout = ''.join(text(o['text']) for c in cells for o in c['outputs']
                     if o['output_type'] == 'stream' and o['name'] == 'stdout')
    assert 'on the channel: G along 0.0' in stdout
    assert 'half decay' in stdout and 'mean delta-CCF at 12 ms' in stdout
    assert 'TimeAxisWarning : ipcf: data has shape (64, 64, 2048)' in stdout


def test_from_curves_to_answers(executed):
    """Section 7: every pixel fitted along and across the channel, the maps, their numbers, error bars."""
    nb, _ = executed
    cells = code_cells(nb)
    i = next(k for k, c in enumerate(cells) if 'fit_along = ipcf.fit(' in text(c['source']))
    section = cells[i:i + 5]
    assert [tags(c) for c in section] == [[], ['figure'], ['check'], ['figure'], ['check']]
    out = lambda c: ''.join(text(o['text']) for o in c['outputs'] if o['output_type'] == 'stream' and o['name'] == 'stdout')
    fits = out(section[0])
    assert fits.count('<ipcf.FitResult pcf1d (56, 56): DC [1], D [um^2/s]') == 2, fits
    numbers = out(section[2])
    for needle in ('on the channel: D along', 'beside it: D along', 'µm²/s', 'simulated D: 1.25 µm²/s'):
        assert needle in numbers, numbers
    # the medians it printed: beside the channel about the simulated D both ways, lower along the channel,
    # lower still across its wall (issue 14: the maps show D along the channel above D across it)
    on, beside = [tuple(float(v) for v in re.search(rf'{w}: D along ([0-9.]+), across ([0-9.]+)', numbers).groups())
                  for w in ('on the channel', 'beside it')]
    assert 1.0 < beside[0] < 1.5 and 1.0 < beside[1] < 1.5 and on[0] < 0.5 * beside[0], (on, beside)
    assert on[1] < on[0], on
    errors = out(section[4])
    ratio = float(re.search(r'scatter by ([0-9.]+) times their error bars', errors).group(1))
    assert 0.8 < ratio < 1.3, errors
    assert '±' in errors


def test_progress_bars_are_kept_with_their_units(executed):
    nb, _ = executed
    stderr = ''.join(text(o['text']) for c in code_cells(nb) for o in c['outputs']
                     if o['output_type'] == 'stream' and o['name'] == 'stderr')
    assert 'simulate: 100%' in stderr and 'frame/s' in stderr, stderr[-2000:]
    assert 'pcf: 100%' in stderr
    assert 'unit/s' not in stderr and 'IProgress' not in stderr and 'Warning' not in stderr, stderr[-2000:]


def test_readme_worked_example():
    """The README's Python worked example prints the numbers the README shows."""
    with open(os.path.join(BINDING, '..', '..', 'README.md'), encoding='utf-8') as fh:
        readme = fh.read()
    m = re.search(r'A worked example, from a simulation to numbers.*?```python\n(.*?)```\n```text\n(.*?)```', readme,
                  re.S)
    assert m, 'the worked example is missing from the README'
    code = 'import numpy, ipcf\n' + m.group(1)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (BINDING, os.environ.get('PYTHONPATH')) if p))
    r = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout == m.group(2), (r.stdout, m.group(2))
