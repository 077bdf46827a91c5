package web

import (
	"fmt"
	"math"
	"strconv"
)

// Charts drawn on the server as SVG (kpi.html's r-chart): horizontal
// bars, one row per category and one bar per series, each bar labelled
// with its value, the series told apart by pattern as well as colour
// (solid, hatched) and named in a legend. Each chart has a title and a
// description (role="img", aria-labelledby) and its figures as a table
// beside it, so nothing is in the picture only. No script, no library:
// the geometry is computed here and written by the template.

// chart is one figure: what it shows, its geometry and its table.
type chart struct {
	ID, Title, Desc string
	Series          []chartSeries
	Rows            []chartRow
	// Note is said under the chart ("all groups").
	Note string
	// KeyHeader names the table's first column; TableSummary opens the
	// table.
	KeyHeader, TableSummary string

	Width, Height float64
	Bars          []chartBar
	Labels        []chartText
	Grid          []chartTick
	// Empty: no row has a value; the chart says so instead of drawing.
	Empty bool
	// Counts: the values are whole numbers, and so is the grid.
	Counts bool
}

// chartSeries is one series: its key (for the table's data-kpi), its
// name and how its bars look (bh-s1 solid, bh-s2 hatched).
type chartSeries struct {
	Key, Name, Class string
}

// chartRow is one category with one value per series.
type chartRow struct {
	Key, Label string
	// From and To are the period of a row that is one (a week); Span
	// says it in words.
	From, To, Span string
	Values         []chartValue
}

// chartValue is a figure: Raw as the JSON report has it (for tests and
// the table's data-value), Text as the page says it, Bar its length on
// the chart's scale; Missing when there is nothing to measure.
type chartValue struct {
	Raw, Text string
	Bar       float64
	Missing   bool
}

type chartBar struct {
	X, Y, W, H float64
	Class      string
	// LX, LY place the value's label after the bar.
	LX, LY float64
	Label  string
}

type chartText struct {
	X, Y   float64
	Text   string
	Anchor string
}

type chartTick struct {
	X    float64
	Text string
}

// Chart geometry, in the SVG's user units.
const (
	chartWidth  = 520.0
	chartLabelW = 170.0 // the row labels' column
	chartValueW = 90.0  // room for the last bar's label
	// chartLabelMax is the longest row label drawn, in characters; the
	// table and the description say it in full.
	chartLabelMax = 24
	chartBarH     = 16.0
	chartBarGap   = 4.0
	chartRowGap   = 14.0
	chartTopPad   = 8.0
	chartAxisPad  = 22.0
)

// layout computes the chart's geometry from its rows: bars scaled to
// the largest value (rounded up to a tidy maximum), with grid lines.
func (c *chart) layout() {
	max := 0.0
	for _, r := range c.Rows {
		for _, v := range r.Values {
			if !v.Missing && v.Bar > max {
				max = v.Bar
			}
		}
	}
	c.Empty = max == 0 && !c.anyValue()
	c.Width = chartWidth
	plot := chartWidth - chartLabelW - chartValueW
	top := tidyMax(max)
	if c.Counts {
		// Four whole steps at least: no grid line at half a case.
		top = math.Max(4, math.Ceil(top/4)*4)
	}
	n := float64(len(c.Series))
	rowH := n*chartBarH + (n-1)*chartBarGap
	y := chartTopPad
	for _, r := range c.Rows {
		c.Labels = append(c.Labels, chartText{X: chartLabelW - 8, Y: y + rowH/2 + 5, Text: clipLabel(r.Label), Anchor: "end"})
		for i, v := range r.Values {
			if i >= len(c.Series) {
				break
			}
			by := y + float64(i)*(chartBarH+chartBarGap)
			w := 0.0
			if !v.Missing && top > 0 {
				w = v.Bar / top * plot
			}
			label := v.Text
			if v.Missing {
				label = "–"
			}
			c.Bars = append(c.Bars, chartBar{X: chartLabelW, Y: by, W: round1(w), H: chartBarH, Class: c.Series[i].Class,
				LX: round1(chartLabelW + w + 6), LY: by + chartBarH - 4, Label: label})
		}
		y += rowH + chartRowGap
	}
	c.Height = y - chartRowGap + chartAxisPad + chartTopPad
	for i := 0; i <= 4; i++ {
		val := top * float64(i) / 4
		c.Grid = append(c.Grid, chartTick{X: round1(chartLabelW + plot*float64(i)/4), Text: trimFloat(val)})
	}
}

func (c *chart) anyValue() bool {
	for _, r := range c.Rows {
		for _, v := range r.Values {
			if !v.Missing {
				return true
			}
		}
	}
	return false
}

// AxisY is where the grid's labels go.
func (c *chart) AxisY() float64 { return c.Height - chartTopPad - 6 }

// PlotBottom is where the grid lines end.
func (c *chart) PlotBottom() float64 { return c.Height - chartAxisPad - chartTopPad }

// ViewBox is the SVG's viewBox.
func (c *chart) ViewBox() string { return fmt.Sprintf("0 0 %g %g", c.Width, c.Height) }

// tidyMax rounds a scale's maximum up to 1, 2, 2.5 or 5 times a power of
// ten, so the grid's labels are round.
func tidyMax(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if x <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func trimFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// clipLabel shortens a row label to chartLabelMax characters.
func clipLabel(s string) string {
	r := []rune(s)
	if len(r) <= chartLabelMax {
		return s
	}
	return string(r[:chartLabelMax-1]) + "…"
}
