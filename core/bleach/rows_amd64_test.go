//go:build amd64 && !purego && !amd64.v3

package bleach

func useAVXForTest() bool { return useAVX }
