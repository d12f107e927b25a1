package array

import "unsafe"

func unsafePointer(p *uint16) unsafe.Pointer { return unsafe.Pointer(p) }

func uintptrOf(p *byte) uintptr { return uintptr(unsafe.Pointer(p)) }
