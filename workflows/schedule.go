package workflows

import (
	"time"

	"github.com/brukerhjelp/brukerhjelp/internal/helpdesk"
)

// Schedules: when a case's process acts by itself, as pure functions of
// the service calendar and the case's own data. The workflows use them,
// and so does the application layer when a page says what will happen
// and when (internal/desk, plan_user_management.go and inbox.go): what a
// form promises is what the workflow then does.

// Days is the service-calendar arithmetic the schedules need;
// *calendar.Calendar implements it.
type Days interface {
	AddDays(start time.Time, n int) time.Time
	IsOpen(t time.Time) bool
}

// NewUserStart is when a new employee starts: 07:30 Oslo on the start
// date.
func NewUserStart(startDate string) time.Time {
	return dayStart(startDate).Add(7*time.Hour + 30*time.Minute)
}

// NewUserSchedule is a new-user case's dates: the start, when account,
// mailbox, equipment and software are due (one service day before the
// start: the fulfilment tasks' due time), and when work still open is
// escalated (three service days before).
func NewUserSchedule(cal Days, startDate string) (start, readyBy, escalateAt time.Time) {
	start = NewUserStart(startDate)
	return start, ServiceDaysBefore(cal, start, 1), ServiceDaysBefore(cal, start, 3)
}

// ServiceDaysBefore is the same clock time n service days before t.
func ServiceDaysBefore(cal Days, t time.Time, n int) time.Time {
	d := t
	for i := 0; i < n; {
		d = d.AddDate(0, 0, -1)
		if cal.IsOpen(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, helpdesk.Oslo)) {
			i++
		}
	}
	return d
}

// ApprovalSchedule is when an approval opened at opened reminds its
// approver, escalates to the fallback approver (zero without one) and
// expires, under policy p; each is zero when p turns it off.
func ApprovalSchedule(cal Days, p CasePolicy, opened time.Time, hasFallback bool) (remindAt, escalateAt, expireAt time.Time) {
	if p.ApprovalReminderDays > 0 {
		remindAt = cal.AddDays(opened, p.ApprovalReminderDays)
	}
	if hasFallback && p.ApprovalEscalateDays > 0 {
		escalateAt = cal.AddDays(opened, p.ApprovalEscalateDays)
	}
	if p.ApprovalExpireDays > 0 {
		expireAt = cal.AddDays(opened, p.ApprovalExpireDays)
	}
	return remindAt, escalateAt, expireAt
}

// DepartureTime is when a departure takes effect: the end of the last
// working day, 16:00 Oslo.
func DepartureTime(lastWorkingDay string) time.Time {
	return dayStart(lastWorkingDay).Add(16 * time.Hour)
}

// AccessStart is when an access asked to start on validFrom may be
// granted: the start of that day, Oslo.
func AccessStart(validFrom string) time.Time { return dayStart(validFrom) }

// AccessExpiry is when an access valid through validTo ends: the start
// of the next day, Oslo; zero for an access without an end.
func AccessExpiry(validTo string) time.Time {
	if validTo == "" {
		return time.Time{}
	}
	return dayStart(validTo).AddDate(0, 0, 1)
}

// RecertificationDue is when an active access's manager must next
// confirm it is still needed: a year after it was granted or last
// recertified. Zero for an access not granted yet.
func RecertificationDue(acc helpdesk.ESAAccess) time.Time {
	last := acc.GrantedAt
	if !acc.RecertifiedAt.IsZero() {
		last = acc.RecertifiedAt
	}
	if last.IsZero() {
		return time.Time{}
	}
	return last.AddDate(recertifyEvery, 0, 0)
}
