package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/benkan-project/benkan/aggregate"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/violationtype"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/graph/model"
	"github.com/benkan-project/benkan/policy"
)

// incidentAggregate answers Query.incidentAggregate: the counts from
// package aggregate (one SQL statement), then the localities and violation
// types of their keys, one query each, through ent privacy like any read.
func incidentAggregate(ctx context.Context, client *ent.Client, q aggregate.IncidentQuery) (*model.IncidentAggregate, error) {
	res, err := aggregate.Incidents(ctx, client, policy.FromContext(ctx), q)
	if err != nil {
		return nil, err
	}
	parts, err := cellReferences(ctx, client, res)
	if err != nil {
		return nil, err
	}
	out := &model.IncidentAggregate{NoiseBound: 0}
	if res.Protection > 0 {
		k := res.Protection
		out.Threshold, out.NoiseBound = &k, aggregate.NoiseBound
	}
	out.Cells, out.Totals = publishedCells(res, func(c aggregate.Cell) *model.IncidentCell {
		p := parts(c)
		m := &model.IncidentCell{GroupedBy: make([]model.IncidentDimension, len(c.GroupedBy)), Status: c.Status, Protected: c.Protected,
			PerpetratorCategory: c.PerpetratorCategory, VictimGender: c.VictimGender, VictimAgeBracket: c.VictimAgeBracket,
			Locality: p.Locality, ViolationType: p.ViolationType, Period: p.Period, Count: p.Count}
		for i, d := range c.GroupedBy {
			m.GroupedBy[i] = model.IncidentDimension(d)
		}
		return m
	})
	return out, nil
}

// cellCommon is what a cell of either count (incidents, people) holds
// beside its own keys: the locality and violation type of its keys, its
// period, and its published value (nil when protected).
type cellCommon struct {
	Locality      *ent.Locality
	ViolationType *ent.ViolationType
	Period        *model.AggregatePeriod
	Count         *int
}

// publishedCells makes the GraphQL cells and totals of res with cell.
func publishedCells[M any](res *aggregate.Result, cell func(aggregate.Cell) M) (cells, totals []M) {
	cells, totals = make([]M, 0, len(res.Cells)), make([]M, 0, len(res.Totals))
	for _, c := range res.Cells {
		cells = append(cells, cell(c))
	}
	for _, c := range res.Totals {
		totals = append(totals, cell(c))
	}
	return cells, totals
}

// cellReferences loads the localities and violation types that are keys
// of res's cells, one query each, under the viewer's rules, by id, and
// returns the parts of a cell that both counts publish alike.
func cellReferences(ctx context.Context, client *ent.Client, res *aggregate.Result) (func(aggregate.Cell) cellCommon, error) {
	var locIDs, typeIDs []gid.ID
	for _, cs := range [][]aggregate.Cell{res.Cells, res.Totals} {
		for _, c := range cs {
			if c.Locality != nil {
				locIDs = append(locIDs, *c.Locality)
			}
			if c.ViolationType != nil {
				typeIDs = append(typeIDs, *c.ViolationType)
			}
		}
	}
	locs, err := cellLocalities(ctx, client, locIDs)
	if err != nil {
		return nil, err
	}
	types := map[gid.ID]*ent.ViolationType{}
	if len(typeIDs) > 0 {
		all, err := client.ViolationType.Query().Where(violationtype.IDIn(typeIDs...)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("load the violation types of counts: %w", err)
		}
		for _, t := range all {
			types[t.ID] = t
		}
	}
	return func(c aggregate.Cell) cellCommon {
		var p cellCommon
		if c.Locality != nil {
			p.Locality = locs[*c.Locality]
		}
		if c.ViolationType != nil {
			p.ViolationType = types[*c.ViolationType]
		}
		if c.Period != nil {
			p.Period = &model.AggregatePeriod{Start: c.Period.Start, End: c.Period.End}
		}
		if !c.Protected {
			v := c.Value
			p.Count = &v
		}
		return p
	}, nil
}

// incidentQuery is the aggregate.IncidentQuery of the field's arguments.
func incidentQuery(groupBy []model.IncidentDimension, level locality.Level, bucket model.AggregateBucket, dateField model.AggregateDateField, from, to *time.Time, filter *model.IncidentAggregateFilter, where *ent.IncidentWhereInput) aggregate.IncidentQuery {
	q := aggregate.IncidentQuery{
		LocalityLevel: level,
		Bucket:        aggregate.Bucket(bucket),
		DateField:     aggregate.DateField(dateField),
		From:          from,
		To:            to,
		Where:         where,
	}
	for _, d := range groupBy {
		q.GroupBy = append(q.GroupBy, aggregate.Dimension(d))
	}
	if filter != nil {
		q.Localities, q.Statuses, q.ViolationTypes = filter.Localities, filter.Statuses, filter.ViolationTypes
	}
	return q
}

// cellLocalities loads the localities that are keys of an aggregate's
// cells, in one query under the viewer's rules, by id.
func cellLocalities(ctx context.Context, client *ent.Client, ids []gid.ID) (map[gid.ID]*ent.Locality, error) {
	locs := map[gid.ID]*ent.Locality{}
	if len(ids) == 0 {
		return locs, nil
	}
	all, err := client.Locality.Query().Where(locality.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load the localities of counts: %w", err)
	}
	for _, l := range all {
		locs[l.ID] = l
	}
	return locs, nil
}
