package graph

// optional is a string field that is null when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// The impact of a proposal (issue 10: "proposals are listed with their
// impact") is to be a field of PolicyProposal resolved here, as
//
//	func (r *policyProposalResolver) Impact(ctx context.Context, obj *store.Proposal) (..., error) {
//		return r.policy.Impact(ctx, obj.Changes)
//	}
//
// with `impact: {resolver: true}` under PolicyProposal in gqlgen.yml: the
// proposal's Changes are the change set exactly as the approval applies it.
