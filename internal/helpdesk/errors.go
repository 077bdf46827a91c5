package helpdesk

import "errors"

// ErrorCode classifies why a step was refused; the API maps it to a status.
type ErrorCode string

// Error codes.
const (
	CodeConflict  ErrorCode = "conflict"  // not allowed in the current state (409)
	CodeForbidden ErrorCode = "forbidden" // not allowed for this actor (403)
	CodeInvalid   ErrorCode = "invalid"   // malformed input (400)
)

// StepError is a refused step, with the message in bokmål and English.
type StepError struct {
	Code    ErrorCode
	Field   string // the offending input field, if any
	Message string // bokmål
	English string
}

func (e *StepError) Error() string { return e.English }

func conflict(no, en string) error  { return &StepError{Code: CodeConflict, Message: no, English: en} }
func forbidden(no, en string) error { return &StepError{Code: CodeForbidden, Message: no, English: en} }
func invalid(field, no, en string) error {
	return &StepError{Code: CodeInvalid, Field: field, Message: no, English: en}
}

// AsStepError unwraps err into a StepError.
func AsStepError(err error) (*StepError, bool) {
	var se *StepError
	ok := errors.As(err, &se)
	return se, ok
}
