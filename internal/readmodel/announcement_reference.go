package readmodel

import (
	"context"
	"fmt"
)

// AnnouncementIDs returns the ids of the announcements whose reference is
// ref (DRIFT-…), oldest first: normally one. The reference is derived
// from the id (helpdesk.AnnouncementReference), so it cannot be turned
// back; the read model, which keeps both, can. Announcements are few, so
// the lookup needs no index of its own.
func (d *DB) AnnouncementIDs(ctx context.Context, ref string) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id FROM announcements WHERE reference = ? ORDER BY created_at, id`, ref)
	if err != nil {
		return nil, fmt.Errorf("read model: announcement %s: %w", ref, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read model: announcement %s: %w", ref, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read model: announcement %s: %w", ref, err)
	}
	return ids, nil
}
