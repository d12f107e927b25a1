"""Labelled results (ipcf.label, labelled=True) and the time axis
(time_axis=, TimeAxisWarning)."""

import os
import sys
import warnings

import numpy
import pytest

import ipcf

xarray = pytest.importorskip('xarray')

DT, PX = 2e-3, 0.1


@pytest.fixture(scope='module')
def data():
    return ipcf.simulate(frames=512, size=18, seed=7)


def test_pcf_labelled_coordinates(data):
    g = ipcf.pcf(data, radius=3, npoints=8, nbins=12, frame_interval=DT, pixel_size=PX, labelled=True)
    plain = ipcf.pcf(data, radius=3, npoints=8, nbins=12)
    assert isinstance(g, xarray.DataArray)
    assert g.dims == ('y', 'x', 'offset', 'delay') and g.shape == plain.shape == (12, 12, 8, plain.shape[3])
    numpy.testing.assert_array_equal(g.values, plain)
    assert g.dtype == numpy.float32
    # Pixels in the input frame: the circle's margin is its radius.
    assert g.y.values.tolist() == list(range(3, 15)) and g.x.values.tolist() == list(range(3, 15))
    uv = ipcf.circle(3, 8)
    assert g.u.values.tolist() == uv[:, 0].tolist() and g.v.values.tolist() == uv[:, 1].tolist()
    assert g.offset.values.tolist() == list(range(8))
    numpy.testing.assert_allclose(g.distance.values, numpy.hypot(uv[:, 0], uv[:, 1]))
    numpy.testing.assert_allclose(g.distance_um.values, ipcf.distances(uv, PX))
    numpy.testing.assert_array_equal(g.delay.values, ipcf.delays(data, radius=3, npoints=8, nbins=12))
    numpy.testing.assert_allclose(g.delay_s.values, ipcf.delays(data, radius=3, npoints=8, nbins=12,
                                                                 frame_interval=DT))
    assert g.delay.attrs['units'] == 'frame' and g.delay_s.attrs['units'] == 's'
    assert g.distance_um.attrs['units'] == 'um' and g.y.attrs['units'] == 'pixel'
    assert g.attrs['kind'] == 'pcf' and g.attrs['delta'] == 0
    assert g.attrs['frame_interval'] == DT and g.attrs['pixel_size'] == PX
    assert g.attrs['radius'] == 3 and g.attrs['npoints'] == 8 and g.attrs['bins_mode'] == 'log'
    # Select by input-frame pixel: pixel (y, x) of the input is result[y - 3, x - 3].
    numpy.testing.assert_array_equal(g.sel(y=10, x=5).values, plain[7, 2])
    # Without units: no seconds, no micrometres.
    h = ipcf.pcf(data, radius=3, npoints=8, nbins=12, labelled=True)
    assert 'delay_s' not in h.coords and 'distance_um' not in h.coords and 'frame_interval' not in h.attrs
    # Writable to netCDF-like attributes: no None values.
    assert all(v is not None for v in g.attrs.values())


def test_label_wraps_without_a_copy_and_with_out(data):
    plain = ipcf.pcf(data, radius=2, npoints=4, nbins=6)
    g = ipcf.label(plain, data, radius=2, npoints=4, nbins=6)
    assert numpy.shares_memory(g.values, plain)
    out = numpy.empty(plain.shape, numpy.float32)
    h = ipcf.pcf(data, radius=2, npoints=4, nbins=6, out=out, labelled=True)
    assert numpy.shares_memory(h.values, out)
    numpy.testing.assert_array_equal(out, plain)


@pytest.mark.parametrize('kw, dims, origin', [
    (dict(offsets=[(1, 0), (0, -2), (-3, 1)]), ('y', 'x', 'offset', 'delay'), (2, 3)),
    (dict(offsets='disk', radius=2, bins='multitau', m=4), ('y', 'x', 'offset', 'delay'), (2, 2)),
    (dict(offsets='line', radius=2, bins='linear', nbins=5), ('y', 'x', 'offset', 'delay'), (0, 2)),
    (dict(offsets=[(0, 0)], smooth=0), ('y', 'x', 'offset', 'delay'), (0, 0)),
], ids=['offsets', 'disk-multitau', 'line-linear', 'acf-as-offset'])
def test_label_offsets_and_bins(data, kw, dims, origin):
    g = ipcf.pcf(data, labelled=True, **kw)
    plain = ipcf.pcf(data, **kw)
    assert g.dims == dims
    numpy.testing.assert_array_equal(g.values, plain)
    assert (int(g.y[0]), int(g.x[0])) == origin
    assert (int(g.y[-1]), int(g.x[-1])) == (17 - origin[0], 17 - origin[1])
    uv = numpy.stack([g.u.values, g.v.values], axis=-1)
    offs = kw['offsets']
    want = ipcf.offsets(offs, kw.get('radius', 6)) if isinstance(offs, str) else numpy.asarray(offs)
    numpy.testing.assert_array_equal(uv, want)
    dkw = {k: v for k, v in kw.items() if k != 'smooth'}
    numpy.testing.assert_array_equal(g.delay.values, ipcf.delays(data, **dkw))


def test_acf_and_line_scans(data):
    g = ipcf.acf(data, nbins=10, labelled=True, frame_interval=DT, delta=False)
    assert g.dims == ('y', 'x', 'delay') and g.y.values.tolist() == list(range(18))
    assert g.attrs['kind'] == 'acf' and 'offset' not in g.coords
    numpy.testing.assert_array_equal(g.values, ipcf.acf(data, nbins=10))
    line = data[:, 4, :]
    h = ipcf.pcf(line, radius=3, nbins=8, labelled=True)
    assert h.dims == ('x', 'offset', 'delay') and h.x.values.tolist() == list(range(3, 15))
    assert h.u.values.tolist() == [-3, -2, -1, 1, 2, 3] and set(h.v.values.tolist()) == {0}
    a = ipcf.acf(line, nbins=8, labelled=True)
    assert a.dims == ('x', 'delay') and a.shape == ipcf.acf(line, nbins=8).shape and a.x.values[0] == 0


def test_delta_is_named(data):
    g = ipcf.pcf(data, offsets=[(2, 0), (-2, 0)], delta=True, labelled=True)
    assert g.name == 'delta_pcf' and g.attrs['delta'] == 1 and g.attrs['long_name'] == 'delta pCF G'


def test_label_checks_the_options_against_the_result(data):
    plain = ipcf.pcf(data, radius=2, npoints=4, nbins=6)
    with pytest.raises(ipcf.IpcfValueError, match=r'result: shape \(14, 14, 4, 6\), want \(12, 12, 4, 6\)'):
        ipcf.label(plain, data, radius=3, npoints=4, nbins=6)
    with pytest.raises(ipcf.IpcfValueError, match='want'):
        ipcf.label(plain, data, radius=2, npoints=8, nbins=6)
    with pytest.raises(ipcf.IpcfTypeError, match='a number of frames does not give the pixels'):
        ipcf.label(plain, 512, radius=2, npoints=4, nbins=6)
    with pytest.raises(ipcf.IpcfTypeError, match='origin'):
        ipcf.label(plain, data, radius=2, npoints=4, nbins=6, origin=5)
    with pytest.raises(ipcf.IpcfValueError, match='frame_interval'):
        ipcf.label(plain, data, radius=2, npoints=4, nbins=6, frame_interval=-1)
    with pytest.raises(ipcf.IpcfTypeError, match='labelled'):
        ipcf.pcf(data, radius=2, npoints=4, nbins=6, labelled='yes')
    # A shape does as well as the data; origin shifts the pixel coordinates.
    g = ipcf.label(plain, data.shape, radius=2, npoints=4, nbins=6, origin=(10, 20))
    assert (int(g.y[0]), int(g.x[0])) == (12, 22)


def test_label_of_a_file_result(tmp_path, data):
    src = tmp_path / 'data.npy'
    numpy.save(src, data)
    out = ipcf.pcf_file(src, tmp_path / 'pcf.npy', radius=2, npoints=8, nbins=10, crop='3:,1:15',
                        frame_interval=DT, pixel_size=PX)
    array, meta = ipcf.open_result(out)
    g = ipcf.label(array, meta)
    want = ipcf.pcf(data[:, 3:, 1:15], radius=2, npoints=8, nbins=10, frame_interval=DT, pixel_size=PX,
                    labelled=True)
    numpy.testing.assert_array_equal(g.values, want.values)
    # The crop's origin (3, 1) plus the margin 2: the input frame's pixels.
    assert g.y.values.tolist() == list(range(5, 16)) and g.x.values.tolist() == list(range(3, 13))
    for name in ('u', 'v', 'distance', 'distance_um', 'delay', 'delay_s'):
        numpy.testing.assert_allclose(g[name].values, want[name].values, err_msg=name)
    assert g.attrs['frame_interval'] == DT and g.attrs['pixel_size'] == PX
    with pytest.raises(ipcf.IpcfValueError, match='not pcf_file metadata'):
        ipcf.label(array, {'software': 'ipcf'})
    # The metadata's smooth decides; where they lack it (an earlier version's),
    # a smooth= given is used and pcf's default is not claimed.
    assert ipcf.label(array, meta).attrs['smooth'] == meta['smooth'] == 0.7
    # another smooth= than the metadata's: refused (it was dropped without a word: PY18's m4)
    with pytest.raises(ipcf.IpcfValueError, match="smooth given with a result's metadata"):
        ipcf.label(array, meta, smooth=0)
    assert ipcf.label(array, meta, smooth=0.7).attrs['smooth'] == 0.7
    for kw in (dict(radius=3), dict(offsets=[[1, 0]]), dict(delta=True), dict(bins='linear')):
        with pytest.raises(ipcf.IpcfValueError, match="given with a result's metadata, which hold them"):
            ipcf.label(array, meta, **kw)
    old = {k: v for k, v in meta.items() if k != 'smooth'}
    assert 'smooth' not in ipcf.label(array, old).attrs
    assert ipcf.label(array, old, smooth=0).attrs['smooth'] == 0


def test_labelled_without_xarray(monkeypatch, data):
    g = ipcf.pcf(data, radius=2, npoints=4, nbins=6, frame_interval=DT, pixel_size=PX, labelled=True)
    monkeypatch.setitem(sys.modules, 'xarray', None)
    lab = ipcf.pcf(data, radius=2, npoints=4, nbins=6, frame_interval=DT, pixel_size=PX, labelled=True)
    assert isinstance(lab, ipcf.Labelled)
    assert lab.dims == g.dims and lab.shape == g.shape and lab.sizes == dict(g.sizes)
    assert set(lab.coords) == set(g.coords)
    for name in g.coords:
        numpy.testing.assert_array_equal(lab.coords[name].values, g.coords[name].values)
        assert lab[name].dims == g[name].dims and lab.coords[name].attrs == g.coords[name].attrs
    assert lab.attrs == g.attrs and lab.name == g.name
    numpy.testing.assert_array_equal(numpy.asarray(lab), g.values)
    assert 'delay_s' in repr(lab) and 'ipcf.Labelled' in repr(lab)
    monkeypatch.delitem(sys.modules, 'xarray')
    back = lab.to_xarray()
    xarray.testing.assert_identical(back, g)


def test_dask_result_labels(data):
    da = pytest.importorskip('dask.array')
    import ipcf.dask
    lazy = ipcf.dask.pcf(da.from_array(data, chunks=(-1, 9, 9)), radius=2, npoints=4, nbins=6)
    g = ipcf.label(lazy.compute(scheduler='threads'), data, radius=2, npoints=4, nbins=6)
    xarray.testing.assert_equal(g, ipcf.pcf(data, radius=2, npoints=4, nbins=6, labelled=True))


# --- the time axis ------------------------------------------------------------


def test_a_stack_with_time_last_warns_where_it_is_called(data):
    stack = numpy.moveaxis(data, 0, -1)  # (18, 18, 512): row, column, time
    with pytest.warns(ipcf.TimeAxisWarning) as caught:
        ipcf.acf(stack, nbins=6)
    assert len(caught) == 1
    w = caught[0]
    assert os.path.samefile(w.filename, __file__), w.filename  # stacklevel: the caller's line
    assert 'shape (18, 18, 512): 18 frames, fewer than its rows or columns' in str(w.message)
    assert 'time_axis=-1' in str(w.message)
    for call in (lambda: ipcf.pcf(stack, radius=2, npoints=4, nbins=6),
                 lambda: ipcf.correct_bleaching(stack[:, :, :40], 2),
                 lambda: ipcf.pcf(stack[0], radius=2, nbins=6),  # a (time, column) line scan: 18 < 512
                 lambda: ipcf.delays(stack, nbins=6)):  # its delays were the rows' (DOCS19's m1)
        with pytest.warns(ipcf.TimeAxisWarning) as caught:
            call()
        mine = [w for w in caught if issubclass(w.category, ipcf.TimeAxisWarning)]
        assert len(mine) == 1 and os.path.samefile(mine[0].filename, __file__), mine


def test_time_axis_moves_the_axis_without_a_copy(data):
    stack = numpy.moveaxis(data, 0, -1)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        got = ipcf.pcf(stack, radius=2, npoints=4, nbins=6, time_axis=-1)
        assert (got == ipcf.pcf(data, radius=2, npoints=4, nbins=6)).all()
        assert (ipcf.pcf(stack, radius=2, npoints=4, nbins=6, time_axis=2) == got).all()
        # data2 follows the same axis; the mask stays (row, column).
        two = ipcf.pcf(stack, radius=2, npoints=4, nbins=6, data2=stack, mask=numpy.ones((18, 18)), time_axis=-1)
        assert numpy.allclose(two, got, atol=1e-6, equal_nan=True)
        assert (ipcf.acf(stack, nbins=6, time_axis=-1) == ipcf.acf(data, nbins=6)).all()
        cb = ipcf.correct_bleaching(numpy.moveaxis(data[:40], 0, 1), 4, time_axis=1)
        assert (cb == ipcf.correct_bleaching(data[:40], 4)).all()
        # time_axis=0 says the first axis is time: no warning for a short series.
        ipcf.acf(data[:8], nbins=2, time_axis=0)
        g = ipcf.pcf(stack, radius=2, npoints=4, nbins=6, time_axis=-1, labelled=True)
        assert g.y.values[0] == 2 and g.sizes['delay'] == got.shape[3]
        t = ipcf.delays(stack, radius=2, npoints=4, nbins=6, time_axis=-1)
        assert (t == ipcf.delays(data, radius=2, npoints=4, nbins=6)).all()
        lab = ipcf.label(got, stack, radius=2, npoints=4, nbins=6, time_axis=-1)
        assert lab.shape == got.shape


@pytest.mark.parametrize('value, exc, fragment', [
    (3, ipcf.IpcfValueError, 'time_axis=3: want -3..2'),
    (-4, ipcf.IpcfValueError, 'time_axis=-4: want -3..2'),
    (1.5, ipcf.IpcfTypeError, 'time_axis=1.5'),
    ('last', ipcf.IpcfTypeError, "time_axis='last'"),
    (True, ipcf.IpcfTypeError, 'time_axis=True'),
])
def test_bad_time_axis(data, value, exc, fragment):
    with pytest.raises(exc) as info:
        ipcf.pcf(data, radius=2, npoints=4, nbins=6, time_axis=value)
    assert fragment in str(info.value)


def test_dask_time_axis_warns_once_not_per_block(data):
    da = pytest.importorskip('dask.array')
    import ipcf.dask
    stack = da.from_array(numpy.moveaxis(data, 0, -1), chunks=(9, 9, -1))
    with pytest.warns(ipcf.TimeAxisWarning) as caught:
        ipcf.dask.acf(stack, nbins=6)
    assert len(caught) == 1 and os.path.samefile(caught[0].filename, __file__)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        lazy = ipcf.dask.pcf(stack, radius=2, npoints=4, nbins=6, time_axis=-1)
        got = lazy.compute(scheduler='threads')
        short = ipcf.dask.acf(da.from_array(data[:16], chunks=(-1, 9, 9)), nbins=2, time_axis=0).compute()
    assert (got == ipcf.pcf(data, radius=2, npoints=4, nbins=6)).all()
    assert short.shape[:2] == (18, 18)


def test_label_defaults_to_pcfs_smoothing():
    # label's smooth defaults to pcf's (0.7), as its other options do: a
    # result computed with pcf's defaults (ipcf.dask's, which the warning
    # of ipcf.dask.pcf tells to label) was labelled without it, and fit
    # fitted its smoothed curves without the SmoothedCurvesWarning.
    data = ipcf.simulate(frames=256, size=12, seed=1)
    kw = dict(radius=2, npoints=4, nbins=8)
    eager = ipcf.pcf(data, labelled=True, **kw)
    labelled = ipcf.label(ipcf.pcf(data, **kw), data, **kw)
    assert eager.attrs['smooth'] == labelled.attrs['smooth'] == 0.7
    assert ipcf.label(ipcf.pcf(data, smooth=0, **kw), data, smooth=0, **kw).attrs['smooth'] == 0
    assert 'smooth' not in ipcf.label(ipcf.pcf(data, **kw), data, smooth=None, **kw).attrs
    with pytest.warns(ipcf.SmoothedCurvesWarning):
        ipcf.fit(labelled[:2, :2], model='pcf1d')


def test_labelled_result_saved_by_xarray_is_not_called_damaged(tmp_path):
    # A labelled result saved with xarray's to_zarr holds label's attrs
    # (software 'ipcf', a version) in its .zattrs: open_result and
    # fit_result called it "changed since ipcf wrote it ... remove the
    # result ... and compute it again". They say what it is now.
    xarray = pytest.importorskip('xarray')
    pytest.importorskip('zarr')
    data = ipcf.simulate(frames=512, size=12, seed=3)
    g = ipcf.pcf(data, radius=2, npoints=8, nbins=8, labelled=True)
    p = tmp_path / 'x.zarr'
    g.to_dataset().to_zarr(p, encoding={'pcf': {'compressor': None}})
    assert numpy.array_equal(xarray.open_zarr(p)['pcf'].values, g.values, equal_nan=True)
    for fn in (ipcf.open_result, lambda q: ipcf.fit_result(q, 'pcf1d')):
        with pytest.raises(ipcf.IpcfTypeError, match='a labelled result saved by xarray .* read it with xarray.open_zarr'):
            fn(p / 'pcf')


def test_fit_result_of_a_zarr_without_metadata_names_its_zattrs(tmp_path):
    # A Zarr array without ipcf's metadata (ipcf.dask's result, to_zarr) was
    # said to lack "PATH.json": a Zarr's metadata are its .zattrs.
    da = pytest.importorskip('dask.array')
    pytest.importorskip('zarr')
    import ipcf.dask as idk
    data = ipcf.simulate(frames=128, size=12, seed=1)
    p = tmp_path / 'x.zarr'
    idk.pcf(da.from_array(data, chunks=(-1, 6, 6)), radius=2, npoints=4, nbins=6).to_zarr(str(p), compressor=None)
    with pytest.raises(ipcf.IpcfValueError, match=r'no metadata in its \.zattrs: fit_result needs'):
        ipcf.fit_result(p, 'pcf1d')
    npy = tmp_path / 'x.npy'
    numpy.save(npy, ipcf.pcf(data, radius=2, npoints=4, nbins=6))
    with pytest.raises(ipcf.IpcfValueError, match=r'no metadata beside it \(PATH\.json\): fit_result needs'):
        ipcf.fit_result(npy, 'pcf1d')
