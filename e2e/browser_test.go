package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserTab starts the headless Chromium at browser, with a fresh profile
// and nothing of its own going to the network (no component updates, sync
// or QUIC: every request the recorder sees is the page's), and returns its
// first tab and the recorder of that tab's requests. The whole browser
// session has one deadline, limit, generous since the machine's CPUs are
// shared. The browser closes when t ends; chromedp's goroutines may still
// report an error while it closes, so they log to t only until then.
//
// A second tab of the same browser (same localStorage, its own
// sessionStorage) is chromedp.NewContext(tab), recorded with rec.listen.
func browserTab(t *testing.T, browser string, limit time.Duration) (tab context.Context, rec *requests) {
	t.Helper()
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browser),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	t.Cleanup(cancel)
	alloc, cancelTimeout := context.WithTimeout(alloc, limit)
	t.Cleanup(cancelTimeout)

	var logMu sync.Mutex
	ended := false
	t.Cleanup(func() { logMu.Lock(); ended = true; logMu.Unlock() })
	logErr := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		if !ended {
			t.Logf("chromedp: "+format, args...)
		}
	}

	// Cleanups run last registered first: the tab closes, then the log to
	// t stops, then the browser ends.
	tab, cancelTab := chromedp.NewContext(alloc, chromedp.WithLogf(func(string, ...any) {}), chromedp.WithErrorf(logErr))
	t.Cleanup(cancelTab)
	rec = &requests{}
	rec.listen(t, tab)
	return tab, rec
}
