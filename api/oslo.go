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
	return osloValue(rv).Interface()
}

func osloValue(v reflect.Value) reflect.Value {
	t := v.Type()
	if t == timeType {
		tm := v.Interface().(time.Time)
		if tm.IsZero() {
			return v
		}
		return reflect.ValueOf(tm.In(helpdesk.Oslo))
	}
	if !holdsTime(t) {
		return v
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		n := reflect.New(t.Elem())
		n.Elem().Set(osloValue(v.Elem()))
		return n
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		n := reflect.New(t).Elem()
		n.Set(osloValue(v.Elem()))
		return n
	case reflect.Struct:
		n := reflect.New(t).Elem()
		n.Set(v)
		for i := range t.NumField() {
			if f := n.Field(i); f.CanSet() {
				f.Set(osloValue(v.Field(i)))
			}
		}
		return n
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			n.Index(i).Set(osloValue(v.Index(i)))
		}
		return n
	case reflect.Array:
		n := reflect.New(t).Elem()
		for i := range v.Len() {
			n.Index(i).Set(osloValue(v.Index(i)))
		}
		return n
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		n := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			n.SetMapIndex(it.Key(), osloValue(it.Value()))
		}
		return n
	}
	return v
}

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
