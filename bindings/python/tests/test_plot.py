"""ipcf.plot: every function renders to PNG at its size, with a colour bar
centred on zero where it maps values to colours, into a given `ax`, with
units in its titles and axes where they are known; figures display
themselves in notebooks (a PNG rich display)."""

import math
import os
import re
import warnings

import numpy
import pytest

import ipcf

matplotlib = pytest.importorskip('matplotlib')
matplotlib.use('Agg')
import ipcf.plot  # noqa: E402

R, P, B = 3, 12, 10
DT, PX = 1e-3, 0.05


@pytest.fixture(scope='module')
def data():
    return ipcf.simulate(frames=1024, size=20, seed=1)


@pytest.fixture(scope='module')
def plain(data):
    return ipcf.pcf(data, radius=R, npoints=P, nbins=B)


@pytest.fixture(scope='module')
def labelled(data):
    return ipcf.pcf(data, radius=R, npoints=P, nbins=B, frame_interval=DT, pixel_size=PX, labelled=True)


@pytest.fixture(scope='module')
def acf(data):
    return ipcf.acf(data, bins='multitau', m=8, frame_interval=DT, labelled=True)


def png_size(blob):
    assert blob[:8] == b'\x89PNG\r\n\x1a\n', blob[:8]
    return int.from_bytes(blob[16:20], 'big'), int.from_bytes(blob[20:24], 'big')


def colourbar_axes(fig):
    """The colour bars' axes of fig (matplotlib labels them '<colorbar>')."""
    return [ax for ax in fig.axes if ax.get_label() == '<colorbar>']


def colourbars(fig):
    """The mappables of fig's axes that have a colour bar."""
    out = []
    for ax in fig.axes:
        for m in list(ax.images) + list(ax.collections):
            if getattr(m, 'colorbar', None) is not None:
                out.append(m)
    return out


# name, call (result, labelled-or-not), figure size in pixels at dpi 100, diverging
PLOTS = [
    ('pcf_image', lambda r: ipcf.plot.pcf_image(r, point=1, bin=3), (500, 400), True),
    ('carpet', lambda r: ipcf.plot.carpet(r, 12, 12), (500, 400), True),
    ('polar', lambda r: ipcf.plot.polar(r, 12, 12), (500, 400), True),
    ('lines-legend', lambda r: ipcf.plot.lines(r, 12, 12, points=[0, 3, 6]), (600, 400), None),
    ('lines-colourbar', lambda r: ipcf.plot.lines(r, 12, 12), (600, 400), False),
]


@pytest.mark.parametrize('name, call, size, diverging', PLOTS, ids=[p[0] for p in PLOTS])
@pytest.mark.parametrize('kind', ['plain', 'labelled'])
def test_each_plot_renders_to_png_with_its_colour_bar(tmp_path, request, kind, name, call, size, diverging):
    result = request.getfixturevalue(kind)
    if kind == 'plain' and name != 'pcf_image':
        # A plain array is indexed by result index: pixel (12, 12) of the input is (9, 9).
        call = {
            'carpet': lambda r: ipcf.plot.carpet(r, 9, 9),
            'polar': lambda r: ipcf.plot.polar(r, 9, 9),
            'lines-legend': lambda r: ipcf.plot.lines(r, 9, 9, points=[0, 3, 6]),
            'lines-colourbar': lambda r: ipcf.plot.lines(r, 9, 9),
        }[name]
    path = tmp_path / f'{name}.png'
    fig = call(result)
    fig.savefig(path, dpi=fig.dpi)
    with open(path, 'rb') as fh:
        assert png_size(fh.read(24)) == size
    # The rich display: a PNG of the same size, made without pyplot.
    assert png_size(fig._repr_png_()) == size
    assert isinstance(fig, ipcf.plot.Figure) and isinstance(fig, matplotlib.figure.Figure)
    caxes = colourbar_axes(fig)
    if diverging is None:  # a few lines: a legend, no colour bar
        assert not caxes
        assert fig.axes[0].get_legend() is not None
        assert len(fig.axes[0].get_legend().get_texts()) == 3
        return
    assert len(caxes) == 1, fig.axes
    if diverging:
        bars = colourbars(fig)
        assert len(bars) == 1 and bars[0].colorbar.ax is caxes[0]
        norm = bars[0].norm
        assert bars[0].get_cmap().name == 'RdBu_r'
        assert norm.vmin == -norm.vmax and norm.vmax > 0  # centred on zero
        values = numpy.asarray(bars[0].get_array(), dtype=float)
        assert norm.vmax == pytest.approx(numpy.nanmax(numpy.abs(values)))
        assert caxes[0].get_ylabel() == 'G'
    else:  # more lines than a legend holds: coloured by direction
        assert caxes[0].get_ylabel() == 'offset direction (degrees)'
        assert tuple(caxes[0].get_ylim()) == (0, 360)
        assert len(fig.axes[0].lines) == P and fig.axes[0].get_legend() is None
        colours = {tuple(line.get_color()) for line in fig.axes[0].lines}
        assert len(colours) == P


def test_mean_renders_with_a_colour_bar(tmp_path, data):
    path = tmp_path / 'mean.png'
    fig = ipcf.plot.mean(data, save=path, dpi=50, frame_interval=DT)
    with open(path, 'rb') as fh:
        assert png_size(fh.read(24)) == (450, 200)
    bars = colourbars(fig)
    assert len(bars) == 1 and bars[0].colorbar.ax.get_ylabel() == 'mean intensity'
    image, series = fig.axes[:2]
    assert series.get_xlabel() == 'time (s)'
    assert series.lines[0].get_xdata()[-1] == pytest.approx((len(data) - 1) * DT)


@pytest.mark.parametrize('bad', [numpy.nan, numpy.inf])
def test_mean_leaves_dead_pixels_out_of_the_series(bad):
    # A pixel of NaN or Inf in every frame (and a last frame of none
    # finite): the trace is the mean of the other pixels, NaN there; one
    # such pixel made every frame's mean NaN, an empty trace.
    d = (numpy.arange(5 * 3 * 4, dtype=numpy.float64) % 7 + 0.5).reshape(5, 3, 4)
    d[:, 1, 1] = bad
    d[-1] = bad
    fig = ipcf.plot.mean(d, dpi=50)
    series = fig.axes[1]
    y = series.lines[0].get_ydata()
    keep = numpy.ones((3, 4), bool)
    keep[1, 1] = False
    numpy.testing.assert_allclose(y[:-1], [f[keep].mean() for f in d[:-1]], rtol=1e-12)
    assert numpy.isnan(y[-1])
    assert series.get_ylabel() == 'mean intensity (of the finite samples)'
    # each pixel's mean over its finite samples: the last frame, none
    # finite, made the whole image NaN (grey); the dead pixel stays NaN
    image = numpy.asarray(fig.axes[0].images[0].get_array(), dtype=numpy.float64)
    want = d[:-1].mean(axis=0)
    want[1, 1] = numpy.nan
    numpy.testing.assert_allclose(image, want, rtol=1e-12)
    clean = ipcf.plot.mean(d[:-1, :, :1] * 0 + 1, dpi=50)  # nothing left out: the plain label
    assert clean.axes[1].get_ylabel() == 'mean intensity' and len(clean.axes[1].lines[0].get_ydata()) == 4


def test_plots_draw_into_a_given_ax(labelled, acf, data):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 8))
    axs = fig.subplots(2, 3)
    polar_ax = fig.add_subplot(3, 3, 9, projection='polar')
    assert ipcf.plot.pcf_image(labelled, point=2, ax=axs[0, 0]) is fig
    assert ipcf.plot.carpet(labelled, 10, 11, ax=axs[0, 1]) is fig
    assert ipcf.plot.lines(labelled, 10, 11, points=[1], ax=axs[0, 2]) is fig
    assert ipcf.plot.polar(labelled, 10, 11, ax=polar_ax) is fig
    assert ipcf.plot.mean(data, ax=axs[1, 0]) is fig
    assert ipcf.plot.mean(data, ax=[axs[1, 1], axs[1, 2]]) is fig
    assert len(axs[0, 2].lines) == 1 and axs[0, 0].images and axs[0, 1].collections
    assert polar_ax.collections and axs[1, 2].lines
    # A second call on the same ax adds its curve: two pixels' ACFs to compare.
    ipcf.plot.lines(acf, 10, 10, ax=axs[1, 2])
    ipcf.plot.lines(acf, 10, 3, ax=axs[1, 2])
    assert [line.get_label() for line in axs[1, 2].lines[-2:]] == ['ACF at (10, 10)', 'ACF at (10, 3)']
    # Nothing was left with pyplot.
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []
    with pytest.raises(ValueError, match='polar'):
        ipcf.plot.polar(labelled, 10, 11, ax=axs[0, 0])
    with pytest.raises(TypeError, match='Axes'):
        ipcf.plot.carpet(labelled, 10, 11, ax='left')
    with pytest.raises(ValueError, match='one .* or two'):
        ipcf.plot.mean(data, ax=list(axs[0]))


def test_units_in_titles_and_axes(labelled, plain, data):
    # Point 4 of a 12-point circle of radius 3 is (-1, 3): 3.16 pixels, 0.158 um.
    u, v = ipcf.circle(R, P)[4]
    t = ipcf.delays(data, radius=R, npoints=P, nbins=B)
    ax = ipcf.plot.pcf_image(labelled, point=4, bin=5).axes[0]
    assert ax.get_title() == f'pCF ({u}, {v}), {math.hypot(u, v) * PX:.3g} µm, delay {t[5] * DT * 1e3:.3g} ms'
    # The pixel axes are the input frame's: the result starts at row and column R.
    assert list(ax.images[0].get_extent()) == [R - 0.5, 20 - R - 0.5, 20 - R - 0.5, R - 0.5]
    assert ax.get_xlabel() == 'column (input frame)'
    # A plain array: the same title from keywords, pixels without a pixel size, frames without an interval.
    ax = ipcf.plot.pcf_image(plain, point=4, bin=5, radius=R, delays=t).axes[0]
    assert ax.get_title() == f'pCF ({u}, {v}), {math.hypot(u, v):.3g} px, delay {t[5]:.4g} frames'
    assert ipcf.plot.pcf_image(plain, point=4, bin=5).axes[0].get_title() == 'pCF point 4, bin 5'
    # delay= picks the nearest point: seconds where the interval is known.
    ax = ipcf.plot.pcf_image(labelled, point=4, delay=t[7] * DT * 1.01).axes[0]
    assert ax.get_title().endswith(f'delay {t[7] * DT * 1e3:.3g} ms')
    # Curves: a log delay axis in seconds, without the delay-0 point.
    ax = ipcf.plot.lines(labelled, 10, 10, points=[4]).axes[0]
    assert ax.get_xscale() == 'log' and ax.get_xlabel() == 'delay (s)'
    x = ax.lines[0].get_xdata()
    numpy.testing.assert_allclose(x, t[t > 0] * DT)
    numpy.testing.assert_array_equal(ax.lines[0].get_ydata(), labelled.sel(y=10, x=10).values[4][t > 0])
    assert ax.lines[0].get_label() == f'4: ({u}, {v}), {math.hypot(u, v) * PX:.3g} µm'
    ax = ipcf.plot.lines(plain, 7, 7, points=[4], delays=t).axes[0]
    assert ax.get_xscale() == 'log' and ax.get_xlabel() == 'delay (frames)'
    ax = ipcf.plot.lines(plain, 7, 7, points=[4]).axes[0]
    assert ax.get_xscale() == 'linear' and ax.get_xlabel() == 'delay bin'
    # The carpet: a log delay axis, offsets named (u, v).
    ax = ipcf.plot.carpet(labelled, 10, 10).axes[0]
    assert ax.get_xscale() == 'log' and ax.get_xlabel() == 'delay (s)'
    assert ax.get_yticklabels()[0].get_text() == '(3, 0)'
    assert ax.get_title() == 'pCF carpet at (10, 10)'


def test_acf_and_delta_titles(acf, data):
    ax = ipcf.plot.pcf_image(acf, delay=0.004).axes[0]
    assert ax.get_title() == 'ACF, delay 4 ms'
    assert colourbars(ax.figure)[0].colorbar.ax.get_ylabel() == 'G (ACF)'
    # A plain 3-D array is an ACF.
    ax = ipcf.plot.lines(numpy.asarray(acf), 0, 0).axes[0]
    assert ax.lines[0].get_label() == 'ACF at (0, 0)'
    flow = ipcf.pcf(data, offsets=[(2, 0), (-2, 0)], delta=True, labelled=True, frame_interval=DT)
    fig = ipcf.plot.pcf_image(flow, point=1, bin=2)
    assert fig.axes[0].get_title().startswith('delta-CCF (-2, 0), 2 px, delay')
    assert colourbars(fig)[0].colorbar.ax.get_ylabel() == 'ΔG'
    # Colour limits symmetric about zero also when every value is of one sign.
    bar = colourbars(ipcf.plot.pcf_image(numpy.abs(numpy.asarray(flow)) + 1, point=0))[0]
    assert bar.norm.vmin == -bar.norm.vmax


def test_pixels_of_a_labelled_result_are_input_frame_coordinates(labelled, plain):
    a = ipcf.plot.lines(labelled, R, R, points=[0]).axes[0].lines[0].get_ydata()
    b = ipcf.plot.lines(plain, 0, 0, points=[0]).axes[0].lines[0].get_ydata()
    numpy.testing.assert_array_equal(a, b[1:])  # the labelled one has a log axis without delay 0
    with pytest.raises(ValueError, match='rows 3..16'):
        ipcf.plot.carpet(labelled, 0, 0)
    with pytest.raises(ValueError, match='outside the 14 x 14 result'):
        ipcf.plot.carpet(plain, 14, 0)
    # A transposed DataArray is plotted the same.
    t = ipcf.plot.carpet(labelled.transpose('delay', 'offset', 'x', 'y'), 5, 6).axes[0].collections[0]
    s = ipcf.plot.carpet(labelled, 5, 6).axes[0].collections[0]
    numpy.testing.assert_array_equal(t.get_array(), s.get_array())


def test_labelled_without_xarray_plots_the_same(monkeypatch, data, labelled):
    import sys

    monkeypatch.setitem(sys.modules, 'xarray', None)
    lab = ipcf.pcf(data, radius=R, npoints=P, nbins=B, frame_interval=DT, pixel_size=PX, labelled=True)
    assert isinstance(lab, ipcf.Labelled)
    a = ipcf.plot.pcf_image(lab, point=4, bin=5).axes[0]
    b = ipcf.plot.pcf_image(labelled, point=4, bin=5).axes[0]
    assert a.get_title() == b.get_title()
    assert list(a.images[0].get_extent()) == list(b.images[0].get_extent())


def test_figures_made_without_pyplot_do_not_accumulate(labelled):
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter('error')  # pyplot warns past 20 open figures
        for _ in range(25):
            ipcf.plot.pcf_image(labelled, point=0)
    assert plt.get_fignums() == []


def test_plots_from_several_threads_draw_as_one_after_another(tmp_path, labelled):
    # matplotlib's text layout is shared: carpets and lines (log delay
    # axes) drawn from 8 threads raised in 45 of 48 calls (HOSTS14's F4).
    import concurrent.futures

    def draw(i, folder):
        path = tmp_path / f'{folder}-{i}.png'
        (ipcf.plot.carpet if i % 2 else ipcf.plot.lines)(labelled, 10, 10, save=path)
        return path.read_bytes()

    want = [draw(i, 'one') for i in range(2)]
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        got = list(ex.map(lambda i: draw(i % 2, f'threads{i // 2}'), range(8)))
    assert all(g == want[i % 2] for i, g in enumerate(got))


def test_save_with_ax_writes_the_whole_figure(tmp_path, labelled):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), dpi=100)
    path = tmp_path / 'into.png'
    ipcf.plot.lines(labelled, 10, 10, points=[0], ax=fig.add_subplot(), save=path)
    assert png_size(path.read_bytes()[:24]) == (300, 200)


def test_mean_time_axis(data):
    stack = numpy.moveaxis(data[:64], 0, -1)  # (20, 20, 64): row, column, time
    with pytest.warns(ipcf.TimeAxisWarning, match='time_axis'):
        ipcf.plot.mean(stack)
    fig = ipcf.plot.mean(stack, time_axis=-1)
    numpy.testing.assert_allclose(fig.axes[0].images[0].get_array(), data[:64].mean(axis=0))
    assert len(fig.axes[1].lines[0].get_xdata()) == 64


def test_a_selected_offset_keeps_its_name(labelled):
    # result.sel(offset=4) drops the offset axis; u and v stay as scalar coordinates.
    u, v = ipcf.circle(R, P)[4]
    one = labelled.sel(offset=4)
    assert one.dims == ('y', 'x', 'delay')
    ax = ipcf.plot.pcf_image(one, bin=5).axes[0]
    assert ax.get_title().startswith(f'pCF ({u}, {v}), {math.hypot(u, v) * PX:.3g} µm, delay')
    numpy.testing.assert_array_equal(ax.images[0].get_array(), labelled.values[:, :, 4, 5])
    # A window of the result: the coordinates follow.
    part = labelled.isel(y=slice(2, 6), x=slice(4, 9))
    ax = ipcf.plot.pcf_image(part, point=1, bin=2).axes[0]
    assert list(ax.images[0].get_extent()) == [R + 4 - 0.5, R + 8 + 0.5, R + 5 + 0.5, R + 2 - 0.5]


def test_empty_results_are_refused(plain):
    """A result without offsets or points: a ValueError naming it (polar
    raised ZeroDivisionError)."""
    for call in (lambda r: ipcf.plot.polar(r, 0, 0), ipcf.plot.pcf_image, lambda r: ipcf.plot.carpet(r, 0, 0),
                 lambda r: ipcf.plot.lines(r, 0, 0)):
        for empty in (plain[:, :, :0], plain[..., :0], plain[:0]):
            with pytest.raises(ValueError, match='an empty result, nothing to draw'):
                call(empty)
    for empty in ((0, 4, 4), (8, 0, 4), (8, 4, 0)):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # (a TimeAxisWarning for some)
            with pytest.raises(ValueError, match='nothing to draw'):
                ipcf.plot.mean(numpy.zeros(empty, numpy.uint16))


def test_display_arguments_are_checked(plain):
    """vmax=-1 drew -1.1..1, 0 and NaN silently +-0.1, True 1; a bool point was index 1; 'x' and a list
    raised Python's plain errors: the binding's rules, naming the argument."""
    for vmax, exc, text in ((-1, ipcf.IpcfValueError, 'vmax=-1.0: want a number > 0'),
                            (0, ipcf.IpcfValueError, 'vmax=0.0: want a number > 0'),
                            (float('nan'), ipcf.IpcfValueError, 'vmax=nan'),
                            (True, ipcf.IpcfTypeError, 'vmax=True'), ('x', ipcf.IpcfTypeError, "vmax='x'"),
                            ([0, 1], ipcf.IpcfTypeError, 'vmax=')):
        with pytest.raises(exc, match=re.escape(text)):
            ipcf.plot.pcf_image(plain, vmax=vmax)
    with pytest.raises(ipcf.IpcfTypeError, match='point=True: want an integer, not a bool'):
        ipcf.plot.pcf_image(plain, point=True)
    with pytest.raises(ipcf.IpcfTypeError, match='row=True'):
        ipcf.plot.carpet(plain, True, 0)
    import matplotlib.figure
    ax = matplotlib.figure.Figure().subplots()
    with pytest.raises(ipcf.IpcfTypeError, match='points=3: want a list of offset indices'):
        ipcf.plot.lines(plain, 0, 0, points=3, ax=ax, delays=numpy.arange(1, plain.shape[3] + 1))
    assert ax.get_xscale() == 'linear'  # refused before anything was drawn
    for vmax in (0.5, numpy.float32(0.5), numpy.array(0.5), numpy.abs(plain).max() * 0 + 0.5):
        fig = ipcf.plot.pcf_image(plain, vmax=vmax)  # a 0-d array (abs(result).max()) too
        assert fig.axes[0].images[0].norm.vmax == 0.5 and fig.axes[0].images[0].norm.vmin == -0.5


@pytest.mark.parametrize('offsets', [
    [(0, 2), (2, 0), (0, -2), (-2, 0)],  # not the circle's order: drawn at the circle's angles before
    [(1, 0), (2, 0), (0, 1), (-1, -1)],  # two in one direction: the first is drawn, as ipcf plot does
    None,  # the circle (radius R, P points)
])
def test_polar_draws_each_offset_in_its_direction(data, offsets):
    kw = dict(offsets=offsets) if offsets is not None else dict(radius=R, npoints=P)
    lab = ipcf.pcf(data, labelled=True, nbins=B, **kw)
    uv = numpy.asarray(offsets if offsets is not None else ipcf.circle(R, P), dtype=float)
    y, x = int(lab.coords['y'][10]), int(lab.coords['x'][10])  # result pixel (10, 10), in input coordinates
    fig = ipcf.plot.polar(lab, y, x)
    mesh = fig.axes[0].collections[0]
    theta = mesh.get_coordinates()[0, :, 0]  # the sectors' edges, as drawn (rows grow downwards: negated)
    values = numpy.asarray(mesh.get_array()).reshape(-1, len(theta) - 1)  # (points, sectors)
    curves = numpy.asarray(lab.transpose('y', 'x', 'offset', 'delay').values)[10, 10]  # (offsets, points)
    lo, width = numpy.minimum(theta[:-1], theta[1:]), numpy.abs(numpy.diff(theta))
    drawn = set()
    for i, (u, v) in enumerate(uv):
        a = -math.atan2(v, u)  # where the image shows direction (u, v)
        j = [s for s in range(len(lo)) if (a - lo[s]) % (2 * math.pi) < width[s]]  # the sector holding it
        assert len(j) == 1, (i, a, theta)
        first = min(m for m in range(len(uv)) if math.isclose(math.atan2(uv[m][1], uv[m][0]), math.atan2(v, u)))
        numpy.testing.assert_array_equal(values[:, j[0]], curves[first], err_msg=f'offset {i} ({u}, {v})')
        drawn.add(first)
    assert len(drawn) == len({round(math.atan2(v, u), 9) for u, v in uv})


def test_delays_refuses_what_the_pcf_refuses():
    # ipcf.plot.delays said "bin size=0" for a filter that leaves no frame,
    # and gave delays for 3 frames: the pCF's own words now.
    with pytest.raises(ipcf.IpcfValueError, match='bleach filtersize=60 leaves no frame of 100'):
        ipcf.plot.delays(100, 8, bleach=60)
    with pytest.raises(ipcf.IpcfValueError, match='3 frames usable, want >= 4'):
        ipcf.plot.delays(3, 4)
    assert list(ipcf.plot.delays(1024, 8)) == list(ipcf.logbins(512, 8))


@pytest.mark.parametrize('step', [1, 7, 12, 1 << 22])
def test_mean_reads_a_few_frames_at_a_time(monkeypatch, step):
    # Python sees Ctrl+C between numpy calls only: the means are taken a
    # few frames at a time (a step of samples), and come out as numpy's
    # means of the whole stack.
    import ipcf.plot as plot
    rng = numpy.random.default_rng(3)
    d = rng.poisson(20, (11, 3, 4)).astype(numpy.uint16)
    d[4, 1, 2] = 65535
    monkeypatch.setattr(plot, '_MEANS_STEP', step)
    image, series = plot._means(d)
    numpy.testing.assert_allclose(image, d.mean(axis=0, dtype=numpy.float64), rtol=1e-15)
    assert series.tolist() == d.mean(axis=(1, 2), dtype=numpy.float64).tolist()
    assert plot._means(d, frames=False)[1] is None
    fig = plot.mean(d, dpi=50)
    assert numpy.asarray(fig.axes[0].images[0].get_array()).tolist() == image.tolist()
    assert fig.axes[1].lines[0].get_ydata().tolist() == series.tolist()
    # a complex stack: the real parts, as numpy's mean(dtype=float64) takes
    # them, whatever the step (a frame a step raised UFuncTypeError: REVIEW4's F1)
    c = d.astype(numpy.complex64) + 1j
    with pytest.warns(numpy.ComplexWarning):
        image, series = plot._means(c)
    numpy.testing.assert_allclose(image, d.mean(axis=0, dtype=numpy.float64), rtol=1e-15)


def test_mean_image_near_the_float64_maximum():
    # Samples near the float64 maximum, a frame of NaN among them: each
    # pixel's mean of its finite samples stays finite (summed before
    # dividing, it was inf: REVIEW12's m9), as ipcf plot --mean draws it.
    import ipcf.plot as plot
    d = numpy.full((4, 2, 3), 1e308)
    d[1] = numpy.nan
    image, _ = plot._means(d)
    numpy.testing.assert_allclose(image, 1e308, rtol=1e-15)


def test_save_never_replaces_an_ipcf_file_or_a_non_png(tmp_path, data):
    """save= wrote straight to the path: save='r.npy' (for r.png) replaced
    the result drawn, and an interrupted save left a cut PNG (FITPLOT16's
    F4). A path with an ipcf sidecar, or an existing file that is not a
    .png, is refused and left as it is; a PNG is written whole through a
    temporary file beside it, which does not stay."""
    res = ipcf.pcf_file(_save_input(tmp_path, data), str(tmp_path / 'r.npy'), radius=R, npoints=P, nbins=B)
    before = open(res, 'rb').read()
    with pytest.raises(ipcf.IpcfValueError, match='an ipcf file is there'):
        ipcf.plot.mean(data, save=str(res))
    (tmp_path / 'notes.txt').write_text('mine')
    with pytest.raises(ipcf.IpcfValueError, match='not a .png'):
        ipcf.plot.mean(data, save=tmp_path / 'notes.txt')
    assert open(res, 'rb').read() == before and (tmp_path / 'notes.txt').read_text() == 'mine'
    ipcf.plot.mean(data, save=tmp_path / 'm.png', dpi=50)
    with open(tmp_path / 'm.png', 'rb') as fh:
        assert png_size(fh.read(24)) == (450, 200)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith('.tmp')) == []
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / 'm.png').stat().st_mode & 0o777 == 0o666 & ~mask  # (not mkstemp's 0600)


def test_save_failing_names_the_file(tmp_path, data, monkeypatch):
    """A full disk while the PNG is written (an error of the descriptor,
    without a file name) names the file, and leaves the earlier PNG and no
    temporary file (it said "No space left on device" alone: DISK17's m1)."""
    out = tmp_path / 'm.png'
    out.write_bytes(b'earlier')

    def full(fd):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(os, 'fsync', full)
    with pytest.raises(OSError, match=r'No space left on device: writing .*m\.png') as e:
        ipcf.plot.mean(data, save=out)
    assert e.value.errno == 28 and e.value.filename == str(out)
    assert out.read_bytes() == b'earlier' and [p.name for p in tmp_path.iterdir()] == ['m.png']


def test_save_to_no_file_names_the_path(tmp_path, data):
    """save= into a missing folder, at a folder, or '': refused naming the
    path asked for, before any temporary file (they named ipcf's temporary
    file, '.x.png.ab12.tmp', or made one in the working folder: PY18's
    m6)."""
    with pytest.raises(FileNotFoundError, match=r"No such folder: .*missing.*: writing .*missing/x\.png") as e:
        ipcf.plot.mean(data, save=tmp_path / 'missing' / 'x.png')
    assert e.value.filename == str(tmp_path / 'missing' / 'x.png')
    (tmp_path / 'dir.png').mkdir()
    with pytest.raises(ipcf.IpcfValueError, match='a folder is there'):
        ipcf.plot.mean(data, save=tmp_path / 'dir.png')
    with pytest.raises(ipcf.IpcfValueError, match='want a file name'):
        ipcf.plot.mean(data, save='')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['dir.png']


def _save_input(tmp_path, data):
    path = str(tmp_path / 'in.npy')
    numpy.save(path, data)
    return path


def test_masked_and_complex_refused(data):
    """Masked and complex arrays are refused, as the README says of every
    function: the masked values were drawn or averaged in, the real part of
    complex ones drawn with numpy's warning alone (PY18's m5)."""
    g = ipcf.pcf(data, offsets=[[2, 0]], smooth=0, nbins=B)
    with pytest.raises(ipcf.IpcfTypeError, match='a masked array'):
        ipcf.plot.pcf_image(numpy.ma.masked_greater(g, 0), 0, 1)
    with pytest.raises(ipcf.IpcfTypeError, match='a masked array'):
        ipcf.plot.mean(numpy.ma.masked_greater(data, 100))
    with pytest.raises(ipcf.IpcfTypeError, match='complex64 values: want real numbers'):
        ipcf.plot.lines(g.astype('c8'), 0, 0)
    with pytest.raises(ipcf.IpcfTypeError, match='complex64 values: want real numbers'):
        ipcf.plot.mean(data.astype('c8'))


def test_delay_and_units_checked(data):
    """delay=nan or inf drew the delay 0, frame_interval=True was 1 s
    (PY18's m7): refused."""
    g = ipcf.pcf(data, offsets=[[2, 0]], smooth=0, nbins=B, labelled=True, frame_interval=0.01)
    for bad in (float('nan'), float('inf')):
        with pytest.raises(ipcf.IpcfValueError, match='delay'):
            ipcf.plot.pcf_image(g, 0, delay=bad)
    with pytest.raises(ipcf.IpcfValueError, match='frame_interval=True: want a finite number > 0'):
        ipcf.plot.pcf_image(g, 0, frame_interval=True)
    ipcf.plot.pcf_image(g, 0, delay=0.05)


def test_plot_of_a_result_whose_attributes_xarray_dropped(data):
    """A labelled result reduced or multiplied without keep_attrs is drawn
    with the units and delta flag its name and coordinates keep, as fit
    reads them: it was drawn in frames, titled a pCF (PY18's F2)."""
    pytest.importorskip('xarray', reason='python3-xarray is in the Makefile install list')
    d = ipcf.pcf(data, offsets=[[2, 0]], smooth=0, nbins=B, delta=True, labelled=True, frame_interval=0.001,
                 pixel_size=0.1)
    stripped = d + 0
    assert 'kind' not in stripped.attrs and stripped.name == 'delta_pcf'
    title = ipcf.plot.pcf_image(stripped, 0, delay=0.003).axes[0].get_title()
    assert title == ipcf.plot.pcf_image(d, 0, delay=0.003).axes[0].get_title()
    assert 'delta' in title and 'ms' in title, title


def test_plain_delays_in_seconds_or_an_unused_frame_interval_are_said(data, plain):
    """delays= in seconds (ipcf.delays(..., frame_interval=), as the lines
    example gave them) were drawn and titled as frames ("delay 0.022
    frames"), and frame_interval= without delays= was dropped: both warn
    (DOCS19's m2); delays in frames with frame_interval= draw seconds."""
    t = ipcf.delays(data, radius=R, npoints=P, nbins=B)
    with pytest.warns(ipcf.IgnoredOptionWarning, match='delays= are not whole or half frames'):
        ipcf.plot.pcf_image(plain, 4, 8, delays=t * DT)
    with pytest.warns(ipcf.IgnoredOptionWarning, match='frame_interval=0.001 is not used'):
        ipcf.plot.pcf_image(plain, 4, 8, frame_interval=DT)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        title = ipcf.plot.pcf_image(plain, 4, 8, delays=t, frame_interval=DT).axes[0].get_title()
    assert title.endswith(f'delay {t[8] * DT * 1e3:.3g} ms'), title


def test_pcf_image_of_uneven_columns_draws_each_at_its_coordinate(labelled):
    """A selection of uneven columns (isel(x=[0, 1, 10])) was spread evenly
    over the extent of its first and last: x=5 drawn at 9 (PY18's m3).
    Each pixel is drawn at its coordinate, the others blank."""
    s = labelled.isel(x=[0, 1, 10], y=[2, 0, 7])
    im = ipcf.plot.pcf_image(s, 0, 3).axes[0].images[0]
    a = numpy.ma.filled(im.get_array().astype(float), numpy.nan)
    x0, x1, y1, y0 = im.get_extent()
    cx = x0 + (numpy.arange(a.shape[1]) + 0.5) * (x1 - x0) / a.shape[1]
    cy = y0 + (numpy.arange(a.shape[0]) + 0.5) * (y1 - y0) / a.shape[0]
    drawn = numpy.isfinite(a)
    assert sorted(cx[drawn.any(0)]) == sorted(s.x.values) and sorted(cy[drawn.any(1)]) == sorted(s.y.values)
    for i, y in enumerate(s.y.values):
        for j, x in enumerate(s.x.values):
            assert a[numpy.flatnonzero(cy == y)[0], numpy.flatnonzero(cx == x)[0]] == s.values[i, j, 0, 3]
