package bench

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Roles are the roles the harness acts as, in order.
var Roles = []string{"admin", "amdh_coordinator", "amdh_monitor", "dihr_partner", "fsi_liaison"}

// Operation is one dashboard operation: a GraphQL query and its variables.
type Operation struct {
	// Name is short: feed, incident, activities.
	Name string
	// Title says what it is, for the report.
	Title string
	// GraphQLName is the name of the operation in Query.
	GraphQLName string
	// Query is the GraphQL document; its operation is named like the
	// operation, so that the server's statement log can tell them apart.
	Query string
	// Roles, when set, are the only roles the operation is measured for.
	Roles []string
	// Vars are variables of the operation fixed whatever the role (the
	// dimensions of an aggregate); variables adds the others.
	Vars map[string]any
	// NoOffBaseline skips the baseline without access control: a server
	// with --no-access-control grants no aggregate (whether and how a
	// role counts, exactly or under protected(K), is the policy's), so an
	// aggregate has no such baseline; its floor is the raw SQL.
	NoOffBaseline bool
}

// aggregateQuery is the document of the incident aggregate operations:
// the cells and totals of one incidentAggregate over a calendar year.
func aggregateQuery(name string) string {
	return `query ` + name + `($groupBy: [IncidentDimension!]!, $level: LocalityLevel! = CERCLE, $dateField: AggregateDateField! = OCCURRED_AT, $from: Time!, $to: Time!) {
  incidentAggregate(groupBy: $groupBy, localityLevel: $level, bucket: MONTH, dateField: $dateField, from: $from, to: $to) {
    threshold noiseBound
    cells { groupedBy locality { id name } violationType { id code } status victimGender period { start } count protected }
    totals { groupedBy locality { id name } violationType { id code } status victimGender period { start } count protected }
  }
}`
}

// AggregateRoles are the roles the aggregate operations are measured for:
// the coordinator counts every incident exactly, DIHR the same incidents
// under disclosure control (protected(5)). Both count every incident, so
// the statements scan the same rows with the same GROUP BYs, and the
// difference of the two is the cost of disclosure control (see
// ProtectionCost).
var AggregateRoles = []string{"amdh_coordinator", "dihr_partner"}

// FeedPageSize is the page size of the incident feed.
const FeedPageSize = 50

// The dashboard operations of issue 4, and the aggregates of issue 11. The feed asks for no pageInfo and no totalCount: with
// either, entgql counts every row the viewer may see (SELECT COUNT) before
// it reads the page, which is a different operation (see BENCHMARKS.md).
var (
	Feed = Operation{
		Name:        "feed",
		GraphQLName: "Feed",
		Title:       "incident feed: first 50, newest first, with locality and involvements",
		Query: `query Feed($first: Int!) {
  incidents(first: $first, orderBy: [{field: OCCURRED_AT, direction: DESC}]) {
    edges { node {
      id reference status occurredAt summary
      locality { id name level }
      involvements { role actor { category gender } }
    } }
  }
}`,
	}
	// FeedSensitive is the feed with the sensitive fields of its incidents
	// and the identifying name of their people: as a role that may read
	// them (admin, coordinator), every response writes its audit events
	// (see graph/audit.go), so that comparing a server with and without
	// --no-read-audit gives the cost of auditing reads.
	FeedSensitive = Operation{
		Name:        "feed-sensitive",
		GraphQLName: "FeedSensitive",
		Title:       "incident feed with narrative, exact location, source and people's full names (audited reads)",
		Query: `query FeedSensitive($first: Int!) {
  incidents(first: $first, orderBy: [{field: OCCURRED_AT, direction: DESC}]) {
    edges { node {
      id reference status occurredAt summary narrative exactLocation source
      locality { id name level }
      involvements { role actor { category gender fullName } }
    } }
  }
}`,
	}
	IncidentByID = Operation{
		Name:        "incident",
		GraphQLName: "Incident",
		Title:       "an incident by id (node) with its follow-ups",
		Query: `query Incident($id: ID!) {
  node(id: $id) {
    ... on Incident {
      id reference status occurredAt reportedAt summary
      locality { name }
      followUps(first: 20, orderBy: [{field: DONE_ON, direction: DESC}]) {
        totalCount
        edges { node { id kind doneOn description organization { name } } }
      }
    }
  }
}`,
	}
	Activities = Operation{
		Name:        "activities",
		GraphQLName: "Activities",
		Title:       "activities of a quarter (startsOnGTE / startsOnLT)",
		Query: `query Activities($from: Time!, $to: Time!) {
  activities(first: 50, where: {startsOnGTE: $from, startsOnLT: $to}, orderBy: [{field: STARTS_ON, direction: ASC}]) {
    totalCount
    edges { node { id kind title startsOn endsOn womenCount menCount locality { name } } }
  }
}`,
	}
	// AggregateCercleMonth is issue 11's first dashboard count: incidents
	// by cercle × month over the year of the quarter.
	AggregateCercleMonth = Operation{
		Name:          "agg-cercle-month",
		GraphQLName:   "AggregateCercleMonth",
		Title:         "incidents by cercle × month over a year (incidentAggregate)",
		Query:         aggregateQuery("AggregateCercleMonth"),
		Roles:         AggregateRoles,
		Vars:          map[string]any{"groupBy": []string{"LOCALITY", "PERIOD"}, "level": "CERCLE"},
		NoOffBaseline: true,
	}
	// AggregateCercleMonthReported is AggregateCercleMonth by report date
	// (dateField REPORTED_AT), which its own index serves (session 8). The
	// protected roles may not count by report date (two time axes,
	// subtracted, would slice the incidents finer than the grid), so it is
	// measured for the coordinator only.
	AggregateCercleMonthReported = Operation{
		Name:          "agg-cercle-month-reported",
		GraphQLName:   "AggregateCercleMonthReported",
		Title:         "incidents by cercle × month of report over a year (incidentAggregate, dateField REPORTED_AT)",
		Query:         aggregateQuery("AggregateCercleMonthReported"),
		Roles:         AggregateRoles[:1],
		Vars:          map[string]any{"groupBy": []string{"LOCALITY", "PERIOD"}, "level": "CERCLE", "dateField": "REPORTED_AT"},
		NoOffBaseline: true,
	}
	// AggregateTypeGender is issue 11's second: incidents by violation type
	// × victim gender over the year. A server without the VICTIM_GENDER
	// dimension answers every request with an error, which the report
	// counts as the operation failing.
	AggregateTypeGender = Operation{
		Name:          "agg-type-gender",
		GraphQLName:   "AggregateTypeGender",
		Title:         "incidents by violation type × victim gender over a year (incidentAggregate)",
		Query:         aggregateQuery("AggregateTypeGender"),
		Roles:         AggregateRoles,
		Vars:          map[string]any{"groupBy": []string{"VIOLATION_TYPE", "VICTIM_GENDER"}},
		NoOffBaseline: true,
	}
	// AggregatePeople is the dashboard's count of people (issue 11, the
	// victims view of issue 13): over the year, the victims by gender ×
	// age bracket and the people by cercle × role, two involvementAggregates
	// in one request, each one statement over the incidents joined to
	// their involvements and actors (about three per incident). A server
	// without involvementAggregate answers every request with an error,
	// which the report counts as the operation failing.
	AggregatePeople = Operation{
		Name:        "agg-people",
		GraphQLName: "AggregatePeople",
		Title:       "people over a year: victims by gender × age bracket, and by cercle × role (involvementAggregate ×2)",
		Query: `query AggregatePeople($from: Time!, $to: Time!) {
  victims: involvementAggregate(groupBy: [GENDER, AGE_BRACKET], from: $from, to: $to, filter: {roles: [VICTIM]}) {
    threshold noiseBound
    cells { groupedBy gender ageBracket count protected }
    totals { groupedBy gender ageBracket count protected }
  }
  roles: involvementAggregate(groupBy: [LOCALITY, ROLE], localityLevel: CERCLE, from: $from, to: $to) {
    cells { groupedBy locality { id name } role count protected }
    totals { groupedBy locality { id name } role count protected }
  }
}`,
		Roles:         AggregateRoles,
		NoOffBaseline: true,
	}
	// Operations are the operations the harness runs, in order.
	Operations = []Operation{Feed, FeedSensitive, IncidentByID, Activities, AggregateCercleMonth, AggregateCercleMonthReported, AggregateTypeGender, AggregatePeople}
)

// Quarter is a calendar quarter, e.g. 2025-Q4.
type Quarter struct {
	From, To time.Time
}

// ParseQuarter reads "2025-Q4".
func ParseQuarter(s string) (Quarter, error) {
	year, q, ok := strings.Cut(strings.ToUpper(s), "-Q")
	y, err1 := strconv.Atoi(year)
	n, err2 := strconv.Atoi(q)
	if !ok || err1 != nil || err2 != nil || n < 1 || n > 4 || y < 1900 || y > 9999 {
		return Quarter{}, fmt.Errorf("quarter %q: want YYYY-QN, e.g. 2025-Q4", s)
	}
	from := time.Date(y, time.Month(3*(n-1)+1), 1, 0, 0, 0, 0, time.UTC)
	return Quarter{From: from, To: from.AddDate(0, 3, 0)}, nil
}
