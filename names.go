package benkan

import "strings"

// GraphQLName turns an ent field or edge name ("occurred_at", "follow_ups")
// into its GraphQL name ("occurredAt", "followUps"), as entgql does. Error
// messages, policies and generated descriptions all name fields this way.
func GraphQLName(entName string) string {
	parts := strings.Split(entName, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
