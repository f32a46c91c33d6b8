package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/benkan-project/benkan/aggregate"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/organization"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/graph/model"
	"github.com/benkan-project/benkan/policy"
)

// activityAggregate answers Query.activityAggregate: the counts from
// package aggregate (one SQL statement), then the localities of their
// keys in one query, through ent privacy like any read.
func activityAggregate(ctx context.Context, client *ent.Client, groupBy []model.ActivityDimension, level locality.Level, bucket model.AggregateBucket, from, to *time.Time, filter *model.ActivityAggregateFilter) (*model.ActivityAggregate, error) {
	q := aggregate.ActivityQuery{LocalityLevel: level, Bucket: aggregate.Bucket(bucket), From: from, To: to}
	for _, d := range groupBy {
		q.GroupBy = append(q.GroupBy, aggregate.ActivityDimension(d))
	}
	if filter != nil {
		q.Localities, q.Kinds = filter.Localities, filter.Kinds
	}
	res, err := aggregate.Activities(ctx, client, policy.FromContext(ctx), q)
	if err != nil {
		return nil, err
	}
	var ids []gid.ID
	for _, cs := range [][]aggregate.ActivityCell{res.Cells, res.Totals} {
		for _, c := range cs {
			if c.Locality != nil {
				ids = append(ids, *c.Locality)
			}
		}
	}
	locs, err := cellLocalities(ctx, client, ids)
	if err != nil {
		return nil, err
	}
	cell := func(c aggregate.ActivityCell) *model.ActivityCell {
		n := c.Count
		m := &model.ActivityCell{GroupedBy: make([]model.ActivityDimension, len(c.GroupedBy)), Kind: c.Kind, Count: &n,
			Women: c.Sums[0], Men: c.Sums[1], Youth: c.Sums[2], SecurityForces: c.Sums[3]}
		for i, d := range c.GroupedBy {
			m.GroupedBy[i] = model.ActivityDimension(d)
		}
		if c.Locality != nil {
			m.Locality = locs[*c.Locality]
		}
		if c.Period != nil {
			m.Period = &model.AggregatePeriod{Start: c.Period.Start, End: c.Period.End}
		}
		return m
	}
	out := &model.ActivityAggregate{Cells: []*model.ActivityCell{}, Totals: []*model.ActivityCell{}}
	for _, c := range res.Cells {
		out.Cells = append(out.Cells, cell(c))
	}
	for _, c := range res.Totals {
		out.Totals = append(out.Totals, cell(c))
	}
	return out, nil
}

// recommendationAggregate answers Query.recommendationAggregate: the
// counts from package aggregate (one SQL statement) as of now, then the
// organizations of their keys in one query, through ent privacy.
func recommendationAggregate(ctx context.Context, client *ent.Client, groupBy []model.RecommendationDimension, filter *model.RecommendationAggregateFilter) (*model.RecommendationAggregate, error) {
	q := aggregate.RecommendationQuery{Now: time.Now()}
	for _, d := range groupBy {
		q.GroupBy = append(q.GroupBy, aggregate.RecommendationDimension(d))
	}
	if filter != nil {
		q.Statuses, q.Addressees, q.Localities = filter.Statuses, filter.Addressees, filter.Localities
	}
	res, err := aggregate.Recommendations(ctx, client, policy.FromContext(ctx), q)
	if err != nil {
		return nil, err
	}
	var ids []gid.ID
	for _, cs := range [][]aggregate.RecommendationCell{res.Cells, res.Totals} {
		for _, c := range cs {
			if c.Addressee != nil {
				ids = append(ids, *c.Addressee)
			}
		}
	}
	orgs := map[gid.ID]*ent.Organization{}
	if len(ids) > 0 {
		all, err := client.Organization.Query().Where(organization.IDIn(ids...)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("load the addressees of counts: %w", err)
		}
		for _, o := range all {
			orgs[o.ID] = o
		}
	}
	cell := func(c aggregate.RecommendationCell) *model.RecommendationCell {
		n := c.Count
		m := &model.RecommendationCell{GroupedBy: make([]model.RecommendationDimension, len(c.GroupedBy)), Status: c.Status, Count: &n, Overdue: c.Overdue}
		for i, d := range c.GroupedBy {
			m.GroupedBy[i] = model.RecommendationDimension(d)
		}
		if c.Addressee != nil {
			m.Addressee = orgs[*c.Addressee]
		}
		return m
	}
	out := &model.RecommendationAggregate{Cells: []*model.RecommendationCell{}, Totals: []*model.RecommendationCell{}}
	for _, c := range res.Cells {
		out.Cells = append(out.Cells, cell(c))
	}
	for _, c := range res.Totals {
		out.Totals = append(out.Totals, cell(c))
	}
	return out, nil
}
