package api

import (
	"reflect"
	"sync"
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Every time in an answer is in one form: RFC 3339 with the help desk's
// offset (Europe/Oslo, +01:00 or +02:00), whether it came from the
// workflow, the calendar, the record or the read model (which keeps UTC).
// inOslo gives a copy of an answer with every time.Time in it moved to
// Oslo: the same instants, written alike. Event data in a history is
// json.RawMessage and stays exactly as recorded (its hash covers it).

var timeType = reflect.TypeFor[time.Time]()

// inOslo is v with its times in Oslo; v itself is not changed.
func inOslo(v any) any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || !holdsTime(rv.Type()) {
		return v
	}
	c := reflect.New(rv.Type()).Elem()
	c.Set(rv)
	toOslo(c)
	return c.Interface()
}

// toOslo moves the times in v, an addressable copy, to Oslo. What v
// shares with the answer it was copied from (what a pointer, slice, map
// or interface refers to) is copied before it is changed.
func toOslo(v reflect.Value) {
	t := v.Type()
	if t == timeType {
		if tm := v.Addr().Interface().(*time.Time); !tm.IsZero() {
			*tm = tm.In(helpdesk.Oslo)
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			n := reflect.New(t.Elem())
			n.Elem().Set(v.Elem())
			toOslo(n.Elem())
			v.Set(n)
		}
	case reflect.Interface:
		if !v.IsNil() && holdsTime(v.Elem().Type()) {
			n := reflect.New(v.Elem().Type()).Elem()
			n.Set(v.Elem())
			toOslo(n)
			v.Set(n)
		}
	case reflect.Struct:
		for _, i := range timeFields(t) {
			toOslo(v.Field(i))
		}
	case reflect.Slice:
		if !v.IsNil() {
			n := reflect.MakeSlice(t, v.Len(), v.Len())
			reflect.Copy(n, v)
			for i := range n.Len() {
				toOslo(n.Index(i))
			}
			v.Set(n)
		}
	case reflect.Array:
		for i := range v.Len() {
			toOslo(v.Index(i))
		}
	case reflect.Map:
		if !v.IsNil() {
			n := reflect.MakeMapWithSize(t, v.Len())
			for it := v.MapRange(); it.Next(); {
				e := reflect.New(t.Elem()).Elem()
				e.Set(it.Value())
				toOslo(e)
				n.SetMapIndex(it.Key(), e)
			}
			v.Set(n)
		}
	}
}

// timeFields is the indexes of t's exported fields that can hold a
// time (a struct type's, cached).
func timeFields(t reflect.Type) []int {
	if v, ok := structTimeFields.Load(t); ok {
		return v.([]int)
	}
	var fields []int
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && holdsTime(f.Type) {
			fields = append(fields, i)
		}
	}
	structTimeFields.Store(t, fields)
	return fields
}

var structTimeFields sync.Map // reflect.Type → []int

// holdsTime reports whether a value of t can hold a time.Time anywhere
// (an interface might); answers are cached per type.
func holdsTime(t reflect.Type) bool {
	if v, ok := timeTypes.Load(t); ok {
		return v.(bool)
	}
	b := holdsTimeSeen(t, map[reflect.Type]bool{})
	timeTypes.Store(t, b)
	return b
}

var timeTypes sync.Map // reflect.Type → bool

func holdsTimeSeen(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == timeType {
		return true
	}
	if seen[t] {
		return false // a cycle: what it holds is answered where it began
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return holdsTimeSeen(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && holdsTimeSeen(f.Type, seen) {
				return true
			}
		}
	}
	return false
}
