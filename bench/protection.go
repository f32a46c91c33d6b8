package bench

// ProtectionCost is the cost of disclosure control of one aggregate
// operation: DIHR's answer under protected(5) against the coordinator's
// exact answer to the same query. Both roles count every incident (the
// default policy's aggregate grants of Incident have no row atom for
// either), so the server runs for both the same UNION ALL of GROUP BYs
// over the same rows, cell keys summed in both; what DIHR's request adds
// is the disclosure control itself: in the statement, the count and key
// sum of the rows it reads (aggregate.PublishSeen: two more sums per scan
// under its read filter, and a flag per actors' pair), then the grid of
// reference data listed whole (the localities of the level, every type
// and period: one more query each, and many more cells to answer), the
// noise of each cell and the threshold. Comparing the raw-SQL floors of the two checks that the
// statements cost the same. This needs no special server: a server that
// could answer DIHR exactly would be a hole to keep out of production.
type ProtectionCost struct {
	Operation string `json:"operation"`
	// ExactRPS and ProtectedRPS are the throughputs (server mode) of the
	// coordinator and of DIHR.
	ExactRPS     float64 `json:"exact_rps"`
	ProtectedRPS float64 `json:"protected_rps"`
	// ExactP50Ms and ProtectedP50Ms are their median latencies.
	ExactP50Ms     float64 `json:"exact_p50_ms"`
	ProtectedP50Ms float64 `json:"protected_p50_ms"`
	// Overhead is 1 − protected/exact throughput, paired over the
	// repetitions like the other overheads.
	Overhead float64 `json:"overhead"`
}

// protectionCosts compares the two AggregateRoles on each operation of ops
// that has them, and notes the result.
func protectionCosts(rep *Report, ops []Operation) []ProtectionCost {
	var out []ProtectionCost
	for _, op := range ops {
		if len(op.Roles) == 0 {
			continue
		}
		exact := rep.result(op.Name, AggregateRoles[0], ModeServer)
		prot := rep.result(op.Name, AggregateRoles[1], ModeServer)
		if exact == nil || prot == nil || exact.Requests == 0 || prot.Requests == 0 {
			continue
		}
		c := ProtectionCost{Operation: op.Name, ExactRPS: exact.RPS, ProtectedRPS: prot.RPS,
			ExactP50Ms: ms(exact.P50), ProtectedP50Ms: ms(prot.P50), Overhead: paired(prot, exact, Overhead)}
		out = append(out, c)
		rep.note("%s: disclosure control costs %.0f%% of throughput (DIHR protected %.1f req/s, p50 %.1f ms; coordinator exact %.1f req/s, p50 %.1f ms; same rows and statements)",
			op.Name, 100*c.Overhead, c.ProtectedRPS, c.ProtectedP50Ms, c.ExactRPS, c.ExactP50Ms)
	}
	return out
}
