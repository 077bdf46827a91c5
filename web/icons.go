package web

import "html/template"

// Icons drawn inline (no font has them all, and an <svg> in the page
// needs no exception in the CSP). They are decoration beside words that
// say the same (aria-hidden), never meaning on their own.
var icons = map[string]string{
	"breached": `<path d="M8 1.5 15 14.5H1Z" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/><path d="M8 6v4.5M8 12v1.2" stroke="currentColor" stroke-width="1.6"/>`,
	"soon":     `<circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M8 4v4.2l3 1.8" fill="none" stroke="currentColor" stroke-width="1.5"/>`,
	"low":      `<circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M8 8V1.5A6.5 6.5 0 0 1 14.5 8Z" fill="currentColor"/>`,
	"paused":   `<path d="M5.5 3v10M10.5 3v10" stroke="currentColor" stroke-width="2.2"/>`,
	"lock":     `<rect x="3" y="7" width="10" height="7.5" rx="1" fill="currentColor"/><path d="M5.2 7V5a2.8 2.8 0 0 1 5.6 0v2" fill="none" stroke="currentColor" stroke-width="1.6"/>`,
	"mail":     `<rect x="1.5" y="3.5" width="13" height="9" rx="1" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="m2 4.2 6 4.8 6-4.8" fill="none" stroke="currentColor" stroke-width="1.5"/>`,
}

// Icon is the named icon as an inline <svg>, or nothing.
func (v *view) Icon(name string) template.HTML {
	p, ok := icons[name]
	if !ok {
		return ""
	}
	return template.HTML(`<svg class="bh-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">` + p + `</svg>`)
}
