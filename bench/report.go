package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Target is one target of issue 4, checked against a run.
type Target struct {
	// Name says what is measured, e.g. "feed p99 as fsi_liaison".
	Name string `json:"name"`
	// Goal is the target, e.g. "< 25 ms".
	Goal string `json:"goal"`
	// Measured is the figure.
	Measured string `json:"measured"`
	// Met says whether the figure meets the goal; Margin by how much it
	// meets or misses it.
	Met    bool   `json:"met"`
	Margin string `json:"margin"`
}

// The targets of issue 4 (1M incidents, 16 clients).
const (
	targetFeedP99       = 25 * time.Millisecond
	targetServerOverRaw = 0.5
	targetOverhead      = 0.10
	targetFeedStmts     = 4
	targetRSS           = 200 << 20
)

// feedRoles are the roles whose feed the latency and floor targets name.
var feedRoles = []string{"fsi_liaison", "dihr_partner"}

func checkTargets(rep *Report) []Target {
	var out []Target
	for _, role := range feedRoles {
		srv := rep.result(Feed.Name, role, ModeServer)
		if srv == nil {
			continue
		}
		measured := fmt.Sprintf("%.1f ms", ms(srv.P99))
		if raw := rep.result(Feed.Name, role, ModeRawSQL); raw != nil {
			// The floor's own p99 says whether the goal is in reach at all.
			measured += fmt.Sprintf(" (raw SQL floor: %.1f ms)", ms(raw.P99))
		}
		out = append(out, Target{
			Name: "feed p99 as " + role, Goal: "< 25 ms",
			Measured: measured,
			Met:      srv.P99 < targetFeedP99,
			Margin:   percent(float64(srv.P99-targetFeedP99) / float64(targetFeedP99)),
		})
		if raw := rep.result(Feed.Name, role, ModeRawSQL); raw != nil && raw.RPS > 0 {
			r := srv.RPS / raw.RPS
			out = append(out, Target{
				Name: "feed throughput ÷ raw SQL as " + role, Goal: "≥ 50%",
				Measured: fmt.Sprintf("%.0f%% (%.0f ÷ %.0f req/s)", 100*r, srv.RPS, raw.RPS),
				Met:      r >= targetServerOverRaw,
				Margin:   points(r - targetServerOverRaw),
			})
		}
	}
	// Access-control overhead: the worst operation and role.
	var worst *Ratios
	for i := range rep.Ratios {
		r := &rep.Ratios[i]
		if r.Overhead != nil && (worst == nil || *r.Overhead > *worst.Overhead) {
			worst = r
		}
	}
	if worst != nil {
		var over []string
		for _, r := range rep.Ratios {
			if r.Overhead != nil && *r.Overhead > targetOverhead {
				over = append(over, fmt.Sprintf("%s/%s %.0f%%", r.Operation, r.Role, 100**r.Overhead))
			}
		}
		m := fmt.Sprintf("worst %.0f%% (%s as %s)", 100**worst.Overhead, worst.Operation, worst.Role)
		if len(over) > 0 {
			m += "; over 10%: " + strings.Join(over, ", ")
		}
		out = append(out, Target{
			Name: "access-control overhead (1 − on/off throughput), every operation and role", Goal: "≤ 10%",
			Measured: m, Met: *worst.Overhead <= targetOverhead,
			Margin: points(*worst.Overhead - targetOverhead),
		})
	}
	// The audit of reads (issue 10): at most 10% on the feed that reads
	// sensitive fields, for every role measured with the baseline.
	for _, r := range rep.Ratios {
		if r.Operation != FeedSensitive.Name || r.ReadAuditOverhead == nil {
			continue
		}
		out = append(out, Target{
			Name: "read-audit overhead (1 − audited/unaudited throughput), feed-sensitive as " + r.Role, Goal: "≤ 10%",
			Measured: fmt.Sprintf("%.1f%%", 100**r.ReadAuditOverhead),
			Met:      *r.ReadAuditOverhead <= targetOverhead,
			Margin:   points(*r.ReadAuditOverhead - targetOverhead),
		})
	}
	// Statements: constant in page size, at most 4 for the feed.
	maxFeed, constant := -1, true
	var detail []string
	for _, pc := range rep.PageSizes {
		var counts []string
		first := pc.Statements[pageSizes[0]]
		for _, n := range pageSizes {
			if e, failed := pc.Errors[n]; failed {
				constant = false // not known: not met
				counts = append(counts, "failed ("+e+")")
				continue
			}
			c := pc.Statements[n]
			maxFeed = max(maxFeed, c)
			if c != first {
				constant = false
			}
			counts = append(counts, fmt.Sprint(c))
		}
		detail = append(detail, pc.Role+" "+strings.Join(counts, "/"))
	}
	if maxFeed >= 0 {
		out = append(out, Target{
			Name:     fmt.Sprintf("feed SQL statements per request at first = %v", pageSizes),
			Goal:     "constant, ≤ 4",
			Measured: strings.Join(detail, "; "),
			Met:      constant && maxFeed <= targetFeedStmts,
			Margin:   fmt.Sprintf("max %d (%+d), constant: %v", maxFeed, maxFeed-targetFeedStmts, constant),
		})
	}
	if rep.PeakRSSBytes > 0 {
		out = append(out, Target{
			Name: "server peak resident memory (VmHWM) under load", Goal: "< 200 MB",
			Measured: fmt.Sprintf("%.1f MB", mb(rep.PeakRSSBytes)),
			Met:      rep.PeakRSSBytes < targetRSS,
			Margin:   percent(float64(rep.PeakRSSBytes-targetRSS) / float64(targetRSS)),
		})
	}
	return out
}

// printReport writes the table, the ratios and the targets.
func printReport(w io.Writer, rep *Report) {
	fmt.Fprintf(w, "\nbenkan bench: %d incidents, %d clients, %s per run; %s, %d CPUs, %.1f GB; PostgreSQL %s\n\n",
		rep.Incidents, rep.Load.Concurrency, rep.Load.Duration, rep.Machine.CPUModel, rep.Machine.NumCPU,
		float64(rep.Machine.MemoryBytes)/(1<<30), rep.Machine.PostgreSQL)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\trole\treq/s\tp50 ms\tp95 ms\tp99 ms\tSQL/req\tpeak RSS MB\traw SQL req/s\traw SQL p99 ms\tserver÷raw\tAC off req/s\tAC off p99 ms\tAC overhead\tno audit req/s\taudit overhead\tCPU ms/req\tAC off CPU ms/req\tno audit CPU ms/req\tallocs/req\tKB alloc/req\tDB CPU ms/req\tno audit DB CPU ms/req\traw DB CPU ms/req\t")
	for _, ra := range rep.Ratios {
		srv := rep.result(ra.Operation, ra.Role, ModeServer)
		raw := rep.result(ra.Operation, ra.Role, ModeRawSQL)
		off := rep.result(ra.Operation, ra.Role, ModeOff)
		na := rep.result(ra.Operation, ra.Role, ModeNoAudit)
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.1f\t%.1f\t%.1f\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%.1f\t%s\t%s\t%s\t\n",
			ra.Operation, ra.Role, srv.RPS, ms(srv.P50), ms(srv.P95), ms(srv.P99), stmts(srv.Measured), mb(srv.PeakRSSBytes),
			rps(raw), p99(raw), pct(ra.ServerOverRaw), rps(off), p99(off), pct(ra.Overhead), rps(na), pct(ra.ReadAuditOverhead),
			cpu(srv), cpu(off), cpu(na), srv.AllocsPerRequest, srv.AllocBytesPerRequest/1024, dbcpu(srv), dbcpu(na), dbcpu(raw))
	}
	_ = tw.Flush()
	if len(rep.PageSizes) > 0 {
		fmt.Fprintf(w, "\nfeed SQL statements per request by page size %v:", pageSizes)
		for _, pc := range rep.PageSizes {
			var c []string
			for _, n := range pageSizes {
				if _, failed := pc.Errors[n]; failed {
					c = append(c, "failed")
					continue
				}
				c = append(c, fmt.Sprint(pc.Statements[n]))
			}
			fmt.Fprintf(w, " %s %s;", pc.Role, strings.Join(c, "/"))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "server peak RSS: %.1f MB with access control", mb(rep.PeakRSSBytes))
	if rep.PeakRSSOffBytes > 0 {
		fmt.Fprintf(w, ", %.1f MB without", mb(rep.PeakRSSOffBytes))
	}
	fmt.Fprintln(w)
	if len(rep.Targets) > 0 {
		fmt.Fprintln(w, "\ntargets (issue 4):")
		for _, t := range rep.Targets {
			verdict := "MET   "
			if !t.Met {
				verdict = "MISSED"
			}
			fmt.Fprintf(w, "  %s %s: %s (goal %s; margin %s)\n", verdict, t.Name, t.Measured, t.Goal, t.Margin)
		}
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range slices.Compact(slices.Clone(rep.Notes)) {
			fmt.Fprintln(w, "  -", n)
		}
	}
}

// cpu is a mode's server CPU per request, "-" when it was not measured.
func cpu(r *Result) string {
	if r == nil || r.CPUPerRequest == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", r.CPUPerRequest)
}

// dbcpu is a mode's database CPU per request, "-" when not measured.
func dbcpu(r *Result) string {
	if r == nil || r.DBCPUPerRequest == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", r.DBCPUPerRequest)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mb(b int64) float64         { return float64(b) / (1 << 20) }

func num(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func pct(f *float64) string {
	if f == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100**f)
}

func rps(r *Result) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f", r.RPS)
}

func p99(r *Result) string {
	if r == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f", ms(r.P99))
}

func stmts(m Measured) string {
	if m.StatementsMin < 0 {
		return "?"
	}
	if m.StatementsMin == m.StatementsMax {
		return fmt.Sprint(m.StatementsMin)
	}
	return fmt.Sprintf("%d–%d", m.StatementsMin, m.StatementsMax)
}

// percent writes a relative difference: +12% over, −30% under.
func percent(f float64) string { return fmt.Sprintf("%+.0f%%", 100*f) }

// points writes a difference of ratios in percentage points.
func points(f float64) string { return fmt.Sprintf("%+.0f points", 100*f) }
