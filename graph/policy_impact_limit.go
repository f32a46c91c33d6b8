package graph

import (
	"context"

	"github.com/benkan-project/benkan"
)

// maxImpactsPerRequest is how many proposals' impacts (PolicyProposal.impact)
// one request computes: each runs COUNT statements over the data, for every
// subject and real holder a proposal touches, so that a list of proposals
// with their impacts would otherwise cost as many impacts as there are
// pending proposals.
const maxImpactsPerRequest = 5

// takeImpact counts one proposal's impact against the response's limit,
// and refuses it with TOO_MANY_IMPACTS past maxImpactsPerRequest: the
// first ones are computed, the others are asked one proposal at a time.
// Outside a response of the Access extension (none in a served request)
// nothing is counted.
func takeImpact(ctx context.Context) error {
	st, _ := ctx.Value(responseKey{}).(*response)
	if st == nil || st.impacts.Add(1) <= maxImpactsPerRequest {
		return nil
	}
	return &benkan.Error{Code: benkan.ETOOMANYIMPACTS, Message: "more than 5 proposals' impacts in one request: each counts rows for every subject it touches; ask for the others one at a time (policy { proposal(id:) { impact } })"}
}
