package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"go.temporal.io/sdk/temporal"
)

type names map[string]bool

func (n names) UsernameInUse(u string) bool { return n[u] }

func taken(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == ErrTypeUsernameTaken
}

// TestReserveUsernameGivesANameToOneCaseOnly: the directory's names are
// refused, and of many cases asking for one free name at once exactly one
// gets it; asking again for the same case is fine.
func TestReserveUsernameGivesANameToOneCaseOnly(t *testing.T) {
	acts, err := New(newStore(t), WithUsernames(names{"eva": true}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := acts.ReserveUsername(ctx, ReserveUsernameInput{Username: "eva", CaseID: "c0"}); !taken(err) {
		t.Errorf("eva (in the directory): %v, want taken", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = acts.ReserveUsername(ctx, ReserveUsernameInput{Username: "kjell", CaseID: fmt.Sprintf("c%d", i+1)})
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner == -1:
			winner = i
		case err == nil:
			t.Errorf("cases %d and %d both got kjell", winner+1, i+1)
		case !taken(err):
			t.Errorf("case %d: %v", i+1, err)
		}
	}
	if winner < 0 {
		t.Fatal("nobody got kjell")
	}
	if err := acts.ReserveUsername(ctx, ReserveUsernameInput{Username: "kjell", CaseID: fmt.Sprintf("c%d", winner+1)}); err != nil {
		t.Errorf("the winner asking again: %v", err)
	}
	noDir, _ := New(newStore(t))
	if err := noDir.ReserveUsername(ctx, ReserveUsernameInput{Username: "kjell", CaseID: "c1"}); err == nil {
		t.Error("without a directory a username was reserved")
	}
}
