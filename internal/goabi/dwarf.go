package goabi

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"strings"
)

// readOffsets fills in the g and m field offsets from the DWARF type
// descriptions of runtime.g and runtime.m, which the Go linker writes into
// every binary not linked with -w.
func readOffsets(f *elf.File, l *Layout) error {
	if f.Section(".debug_info") == nil && f.Section(".zdebug_info") == nil {
		return ErrNoDWARF
	}
	d, err := f.DWARF()
	if err != nil {
		return fmt.Errorf("reading DWARF: %w", err)
	}
	types, err := findStructs(d, "runtime.g", "runtime.m")
	if err != nil {
		return err
	}
	g, m := types["runtime.g"], types["runtime.m"]

	fields := []struct {
		st   *dwarf.StructType
		path string
		dst  *int64
	}{
		{g, "stack.lo", &l.GStackLo},
		{g, "stack.hi", &l.GStackHi},
		{g, "stackguard0", &l.GStackguard0},
		{g, "stackguard1", &l.GStackguard1},
		{g, "m", &l.GM},
		{m, "g0", &l.MG0},
		{m, "tls", &l.MTls},
		{m, "curg", &l.MCurg},
	}
	for _, fl := range fields {
		off, _, err := fieldOffset(fl.st, fl.path)
		if err != nil {
			return err
		}
		*fl.dst = off
	}
	_, tls, err := fieldOffset(m, "tls")
	if err != nil {
		return err
	}
	l.TlsSize = tls.Size()
	return nil
}

// findStructs returns the DWARF struct types with the given names. It walks
// only the top level of each compile unit: Go puts type entries there, and
// skipping the children of functions keeps the walk short.
func findStructs(d *dwarf.Data, names ...string) (map[string]*dwarf.StructType, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	found := make(map[string]*dwarf.StructType, len(names))
	r := d.Reader()
	for len(found) < len(names) {
		e, err := r.Next()
		if err != nil {
			return nil, fmt.Errorf("reading DWARF: %w", err)
		}
		if e == nil {
			break
		}
		if e.Tag == dwarf.TagCompileUnit {
			continue // step into the unit's children
		}
		if e.Children {
			r.SkipChildren()
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		if e.Tag != dwarf.TagStructType || !want[name] || found[name] != nil {
			continue
		}
		t, err := d.Type(e.Offset)
		if err != nil {
			return nil, fmt.Errorf("reading DWARF type %s: %w", name, err)
		}
		st, ok := t.(*dwarf.StructType)
		if !ok {
			return nil, fmt.Errorf("DWARF type %s is a %T, not a struct", name, t)
		}
		found[name] = st
	}
	for _, n := range names {
		if found[n] == nil {
			return nil, fmt.Errorf("DWARF has no struct type %s", n)
		}
	}
	return found, nil
}

// fieldOffset returns the byte offset and the type of a field of st, where
// path may name a field of an embedded struct: "stack.lo" is g.stack.lo.
func fieldOffset(st *dwarf.StructType, path string) (int64, dwarf.Type, error) {
	var off int64
	cur := st
	parts := strings.Split(path, ".")
	for i, name := range parts {
		f := field(cur, name)
		if f == nil {
			return 0, nil, fmt.Errorf("DWARF type %s has no field %s", cur.StructName, name)
		}
		off += f.ByteOffset
		if i == len(parts)-1 {
			return off, f.Type, nil
		}
		t := f.Type
		for {
			td, ok := t.(*dwarf.TypedefType)
			if !ok {
				break
			}
			t = td.Type
		}
		next, ok := t.(*dwarf.StructType)
		if !ok {
			return 0, nil, fmt.Errorf("DWARF field %s.%s is not a struct", cur.StructName, name)
		}
		cur = next
	}
	return 0, nil, fmt.Errorf("empty field path")
}

func field(st *dwarf.StructType, name string) *dwarf.StructField {
	for _, f := range st.Field {
		if f.Name == name {
			return f
		}
	}
	return nil
}
