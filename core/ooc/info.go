package ooc

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// resultInfo is what the writers take from a job's metadata (see
// job.Metadata) to name the axes and calibrate them: the pixel size, the
// delay of every point and the offset of every neighbour. Metadata that
// lack a field (the tests' minimal metadata) give pixels, frames and
// offset numbers.
type resultInfo struct {
	shape         [4]int
	pixelSize     float64   // micrometres; 0: unknown
	frameInterval float64   // seconds; 0: unknown
	delays        []float64 // frames, one per point
	delaysS       []float64 // seconds, or nil
	offsets       []infoOffset
	margin        [2]int // output pixel (0, 0) is image pixel (margin + crop origin)
	origin        [2]int // crop origin
}

type infoOffset struct {
	U, V       int
	DistancePx float64
	DistanceUm *float64
}

// infoOf reads the metadata (any JSON-encodable map) of a result of the
// given shape (rows, columns, offsets, delays).
func infoOf(meta map[string]any, shape [4]int) resultInfo {
	in := resultInfo{shape: shape}
	var m struct {
		Units struct {
			FrameInterval *float64 `json:"frame_interval_s"`
			PixelSize     *float64 `json:"pixel_size_um"`
		} `json:"units"`
		DelayFrames []float64 `json:"delay_frames"`
		DelayS      []float64 `json:"delay_s"`
		Offsets     []struct {
			U          int      `json:"u"`
			V          int      `json:"v"`
			DistancePx float64  `json:"distance_px"`
			DistanceUm *float64 `json:"distance_um"`
		} `json:"offsets"`
		Mode       string `json:"mode"`
		Radius     *int   `json:"radius"`
		CropOrigin []int  `json:"crop_origin"`
	}
	if b, err := json.Marshal(meta); err == nil {
		json.Unmarshal(b, &m) // a field of another type stays unknown
	}
	pos := func(p *float64) float64 {
		if p != nil && *p > 0 && !math.IsInf(*p, 0) {
			return *p
		}
		return 0
	}
	in.pixelSize, in.frameInterval = pos(m.Units.PixelSize), pos(m.Units.FrameInterval)
	if len(m.DelayFrames) == shape[3] {
		in.delays = m.DelayFrames
	} else {
		in.delays = make([]float64, shape[3])
		for j := range in.delays {
			in.delays[j] = float64(j)
		}
	}
	if len(m.DelayS) == shape[3] {
		in.delaysS = m.DelayS
	}
	if len(m.Offsets) == shape[2] {
		in.offsets = make([]infoOffset, shape[2])
		for i, o := range m.Offsets {
			in.offsets[i] = infoOffset{U: o.U, V: o.V, DistancePx: o.DistancePx, DistanceUm: o.DistanceUm}
			in.margin[0] = max(in.margin[0], o.V, -o.V)
			in.margin[1] = max(in.margin[1], o.U, -o.U)
		}
		if (m.Mode == "circle" || m.Mode == "") && m.Radius != nil && *m.Radius > 0 {
			in.margin = [2]int{*m.Radius, *m.Radius} // the circle's margins, even where no point reaches them
		}
	}
	if len(m.CropOrigin) == 2 && m.CropOrigin[0] >= 0 && m.CropOrigin[1] >= 0 {
		in.origin = [2]int{m.CropOrigin[0], m.CropOrigin[1]}
	}
	return in
}

// axisUnits names the unit of each axis of the result: y and x in
// micrometres (pixel_size_um) or pixels, the offset by its distance
// (offsets[].distance_um, or distance_px), the delay in seconds (delay_s)
// or frames (delay_frames).
func (in resultInfo) axisUnits() map[string]string {
	u := map[string]string{"y": "pixel", "x": "pixel", "offset": "pixel", "delay": "frame"}
	if in.pixelSize > 0 {
		u["y"], u["x"], u["offset"] = "micrometer", "micrometer", "micrometer"
	}
	if in.delaysS != nil {
		u["delay"] = "second"
	}
	return u
}

// multiscales is the OME-NGFF 0.4 multiscales metadata of an OME-Zarr
// output: one level, array "0", axes (delay, offset, y, x), the spatial
// scale the pixel size and the translation the first output pixel's
// position in the input frame.
func (in resultInfo) multiscales(name string) []any {
	space := func(n string) map[string]any {
		a := map[string]any{"name": n, "type": "space"}
		if in.pixelSize > 0 {
			a["unit"] = "micrometer"
		}
		return a
	}
	axes := []any{
		map[string]any{"name": "delay", "type": "time"},
		map[string]any{"name": "offset", "type": "channel"},
		space("y"), space("x"),
	}
	s := 1.0
	if in.pixelSize > 0 {
		s = in.pixelSize
	}
	ty := float64(in.origin[0]+in.margin[0]) * s
	tx := float64(in.origin[1]+in.margin[1]) * s
	tr := []any{map[string]any{"type": "scale", "scale": []float64{1, 1, s, s}}}
	if ty != 0 || tx != 0 {
		tr = append(tr, map[string]any{"type": "translation", "translation": []float64{0, 0, ty, tx}})
	}
	return []any{map[string]any{
		"version":  "0.4",
		"name":     name,
		"axes":     axes,
		"datasets": []any{map[string]any{"path": "0", "coordinateTransformations": tr}},
		"metadata": map[string]any{
			"description": "pair correlation G(delay) of each pixel (y, x) with its neighbour at each offset (u, v); " +
				"the delays (delay_frames, delay_s) and offsets (offsets: u, v, distance) are in this group's attributes",
		},
	}}
}

// offsetLabel describes offset k: "offset 3 (u, v) = (2, -1), 2.24 px".
func (in resultInfo) offsetLabel(k int) string {
	if in.offsets == nil {
		return "offset " + strconv.Itoa(k)
	}
	o := in.offsets[k]
	d := fmt.Sprintf("%.3g px", o.DistancePx)
	if o.DistanceUm != nil {
		d = fmt.Sprintf("%.4g µm", *o.DistanceUm)
	}
	return fmt.Sprintf("offset %d (u, v) = (%d, %d), %s", k, o.U, o.V, d)
}

// delayLabel describes delay point j: "delay 12: 0.0125 s (12.5 frames)".
func (in resultInfo) delayLabel(j int) string {
	if in.delaysS != nil {
		return fmt.Sprintf("delay %d: %.4g s (%g frames)", j, in.delaysS[j], in.delays[j])
	}
	return fmt.Sprintf("delay %d: %g frames", j, in.delays[j])
}
