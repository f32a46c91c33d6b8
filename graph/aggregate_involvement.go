package graph

import (
	"context"
	"time"

	"github.com/benkan-project/benkan/aggregate"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/graph/model"
	"github.com/benkan-project/benkan/policy"
)

// involvementAggregate answers Query.involvementAggregate: the counts of
// people from package aggregate (one SQL statement), then the localities
// and violation types of their keys, as incidentAggregate loads them.
func involvementAggregate(ctx context.Context, client *ent.Client, q aggregate.InvolvementQuery) (*model.InvolvementAggregate, error) {
	res, err := aggregate.Involvements(ctx, client, policy.FromContext(ctx), q)
	if err != nil {
		return nil, err
	}
	parts, err := cellReferences(ctx, client, res)
	if err != nil {
		return nil, err
	}
	out := &model.InvolvementAggregate{}
	if res.Protection > 0 {
		k := res.Protection
		out.Threshold, out.NoiseBound = &k, aggregate.NoiseBound
	}
	out.Cells, out.Totals = publishedCells(res, func(c aggregate.Cell) *model.InvolvementCell {
		p := parts(c)
		m := &model.InvolvementCell{GroupedBy: make([]model.InvolvementDimension, len(c.GroupedBy)), Status: c.Status, Protected: c.Protected,
			Role: c.Role, Gender: c.Gender, AgeBracket: c.AgeBracket, Category: c.Category,
			Locality: p.Locality, ViolationType: p.ViolationType, Period: p.Period, Count: p.Count}
		for i, d := range c.GroupedBy {
			m.GroupedBy[i] = model.InvolvementDimension(d)
		}
		return m
	})
	return out, nil
}

// involvementQuery is the aggregate.InvolvementQuery of the field's
// arguments.
func involvementQuery(groupBy []model.InvolvementDimension, level locality.Level, bucket model.AggregateBucket, dateField model.AggregateDateField, from, to *time.Time, filter *model.InvolvementAggregateFilter) aggregate.InvolvementQuery {
	q := aggregate.InvolvementQuery{IncidentQuery: aggregate.IncidentQuery{
		LocalityLevel: level,
		Bucket:        aggregate.Bucket(bucket),
		DateField:     aggregate.DateField(dateField),
		From:          from,
		To:            to,
	}}
	for _, d := range groupBy {
		q.GroupBy = append(q.GroupBy, aggregate.Dimension(d))
	}
	if filter != nil {
		q.Localities, q.Statuses, q.ViolationTypes, q.Roles = filter.Localities, filter.Statuses, filter.ViolationTypes, filter.Roles
	}
	return q
}
