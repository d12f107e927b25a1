//go:build !linux

package ooc

func fsDamaged(error) bool { return false }
