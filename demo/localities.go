package demo

import (
	"context"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/gid"
)

// site is a commune of the demo with its place in Mali's administrative
// tree and approximate public coordinates.
type site struct {
	// code is the place code of incident references (NIO-2023-0042); empty
	// for a commune where the project collected no allegations.
	code                    string
	region, cercle, commune string
	lat, lon                float64
	// share is the site's relative share of the incidents.
	share int
	// monitor is the subject of the site's data collector.
	monitor string
}

// sites are the communes of the demo: the project's three localities and
// Ségou, where the strategic retreat was held.
var sites = []site{
	{code: "NIO", region: "Ségou", cercle: "Niono", commune: "Niono", lat: 14.25, lon: -5.99, share: 40, monitor: "monitor.niono"},
	{code: "KAY", region: "Kayes", cercle: "Kayes", commune: "Kayes", lat: 14.45, lon: -11.44, share: 35, monitor: "monitor.kayes"},
	{code: "FOU", region: "Sikasso", cercle: "Kadiolo", commune: "Fourou", lat: 10.87, lon: -6.22, share: 25, monitor: "monitor.fourou"},
	{region: "Ségou", cercle: "Ségou", commune: "Ségou", lat: 13.43, lon: -6.26},
}

// projectSites are the sites where the project collected allegations.
func projectSites() []*site {
	var out []*site
	for i := range sites {
		if sites[i].code != "" {
			out = append(out, &sites[i])
		}
	}
	return out
}

// loadLocalities writes the regions, the cercles and the communes of sites,
// one level per statement.
func (l *loader) loadLocalities(ctx context.Context) error {
	level := func(lvl locality.Level, name, parent func(site) string, parents map[string]gid.ID) (map[string]gid.ID, error) {
		var builders []*ent.LocalityCreate
		seen := map[string]bool{}
		for _, s := range sites {
			n := name(s)
			if seen[n] {
				continue
			}
			seen[n] = true
			b := l.c.Locality.Create().SetName(n).SetLevel(lvl)
			if parents != nil {
				b.SetParentID(parents[parent(s)])
			}
			if lvl == locality.LevelCOMMUNE {
				b.SetLatitude(s.lat).SetLongitude(s.lon)
			}
			builders = append(builders, b)
		}
		created, err := l.c.Locality.CreateBulk(builders...).Save(ctx)
		if err != nil {
			return nil, err
		}
		ids := make(map[string]gid.ID, len(created))
		for _, c := range created {
			ids[c.Name] = c.ID
		}
		return ids, nil
	}
	regions, err := level(locality.LevelREGION, func(s site) string { return s.region }, nil, nil)
	if err != nil {
		return err
	}
	cercles, err := level(locality.LevelCERCLE, func(s site) string { return s.cercle }, func(s site) string { return s.region }, regions)
	if err != nil {
		return err
	}
	l.communes, err = level(locality.LevelCOMMUNE, func(s site) string { return s.commune }, func(s site) string { return s.cercle }, cercles)
	return err
}
