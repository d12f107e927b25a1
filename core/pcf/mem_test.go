package pcf

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
)

// TestNewArray: a large array is zeroed, shaped and writable whole, also
// after an earlier one's memory was released; sizes that overflow or
// exceed this machine are refused with ErrMemory, naming what.
func TestNewArray(t *testing.T) {
	for round := 0; round < 3; round++ {
		v, free, err := NewArray("the test stack", array.Uint16, []int{40, 256, 300})
		if err != nil {
			t.Fatal(err)
		}
		if v.Shape[0] != 40 || v.Shape[1] != 256 || v.Shape[2] != 300 || len(v.Data) != 40*256*300*2 || v.DType != array.Uint16 {
			t.Fatalf("shape %v, %d bytes, %s", v.Shape, len(v.Data), v.DType)
		}
		for i, b := range v.Data {
			if b != 0 {
				t.Fatalf("round %d: byte %d is %#x, want 0", round, i, b)
			}
		}
		for i := range v.Data {
			v.Data[i] = byte(i) | 1
		}
		free()
	}
	for _, shape := range [][]int{{math.MaxInt / 4, 4, 4}, {1 << 20, 1 << 20, 1 << 10}} {
		_, free, err := NewArray("the huge stack", array.Float64, shape)
		free()
		if !errors.Is(err, ErrMemory) || err == nil || !strings.Contains(err.Error(), "the huge stack") {
			t.Errorf("shape %v: %v, want ErrMemory naming the array", shape, err)
		}
	}
}
