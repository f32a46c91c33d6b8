package policy

import (
	"context"
	"fmt"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/policyrule"
	"github.com/benkan-project/benkan/ent/predicate"
)

// adapter stores the Casbin policy in benkan's own database (table
// policy_rules), through the ent client, so that the policy lives and is
// backed up with the data it protects.
type adapter struct {
	client *ent.Client
}

var _ persist.Adapter = adapter{}

func (a adapter) ctx() context.Context { return SystemContext(context.Background()) }

// LoadPolicy implements persist.Adapter.
func (a adapter) LoadPolicy(m model.Model) error {
	rules, err := a.client.PolicyRule.Query().All(a.ctx())
	if err != nil {
		return fmt.Errorf("load policy rules: %w", err)
	}
	for _, r := range rules {
		line := trimEmpty([]string{r.Ptype, r.V0, r.V1, r.V2, r.V3, r.V4, r.V5})
		if err := persist.LoadPolicyArray(line, m); err != nil {
			return fmt.Errorf("load policy rule %v: %w", line, err)
		}
	}
	return nil
}

// SavePolicy implements persist.Adapter: it replaces every stored rule.
func (a adapter) SavePolicy(m model.Model) error {
	ctx := a.ctx()
	tx, err := a.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("save policy: %w", err)
	}
	if _, err := tx.PolicyRule.Delete().Exec(ctx); err != nil {
		return rollback(tx, fmt.Errorf("save policy: %w", err))
	}
	var creates []*ent.PolicyRuleCreate
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			for _, rule := range ast.Policy {
				creates = append(creates, create(tx.Client(), ptype, rule))
			}
		}
	}
	if err := tx.PolicyRule.CreateBulk(creates...).Exec(ctx); err != nil {
		return rollback(tx, fmt.Errorf("save policy: %w", err))
	}
	return tx.Commit()
}

// AddPolicy implements persist.Adapter.
func (a adapter) AddPolicy(_ string, ptype string, rule []string) error {
	if err := create(a.client, ptype, rule).Exec(a.ctx()); err != nil {
		return fmt.Errorf("add policy rule: %w", err)
	}
	return nil
}

// RemovePolicy implements persist.Adapter.
func (a adapter) RemovePolicy(_ string, ptype string, rule []string) error {
	return a.remove(ptype, 0, rule, true)
}

// RemoveFilteredPolicy implements persist.Adapter.
func (a adapter) RemoveFilteredPolicy(_ string, ptype string, fieldIndex int, fieldValues ...string) error {
	return a.remove(ptype, fieldIndex, fieldValues, false)
}

func (a adapter) remove(ptype string, from int, values []string, exact bool) error {
	fields := []func(string) predicate.PolicyRule{policyrule.V0, policyrule.V1, policyrule.V2, policyrule.V3, policyrule.V4, policyrule.V5}
	preds := []predicate.PolicyRule{policyrule.Ptype(ptype)}
	for i, v := range values {
		if v != "" || exact {
			preds = append(preds, fields[from+i](v))
		}
	}
	if _, err := a.client.PolicyRule.Delete().Where(preds...).Exec(a.ctx()); err != nil {
		return fmt.Errorf("remove policy rules: %w", err)
	}
	return nil
}

func create(c *ent.Client, ptype string, rule []string) *ent.PolicyRuleCreate {
	v := make([]string, 6)
	copy(v, rule)
	return c.PolicyRule.Create().SetPtype(ptype).
		SetV0(v[0]).SetV1(v[1]).SetV2(v[2]).SetV3(v[3]).SetV4(v[4]).SetV5(v[5])
}

func rollback(tx *ent.Tx, err error) error {
	if rerr := tx.Rollback(); rerr != nil {
		return fmt.Errorf("%w (rollback: %v)", err, rerr)
	}
	return err
}

// trimEmpty drops the empty trailing values of a stored rule.
func trimEmpty(line []string) []string {
	for len(line) > 0 && line[len(line)-1] == "" {
		line = line[:len(line)-1]
	}
	return line
}
