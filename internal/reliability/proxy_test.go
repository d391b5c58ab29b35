package reliability

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"
)

// direction is which way bytes flow through the proxy.
type direction int

const (
	upstream   direction = iota // client (the library's driver) → database
	downstream                  // database → client
)

func (d direction) String() string {
	if d == upstream {
		return "to the database"
	}
	return "to the client"
}

// faultKind is what the proxy does when an armed fault's byte offset is reached.
type faultKind int

const (
	faultCut   faultKind = iota // close every link, both sides: the network dies
	faultStall                  // hold the bytes until release is closed, then go on
)

// fault is one armed fault: when the bytes forwarded in dir (since the last reset) would pass
// at, exactly at bytes have been forwarded and the fault fires.
type fault struct {
	dir     direction
	at      int64
	kind    faultKind
	reached chan struct{} // closed when the fault fires
	at0     int           // connections accepted when it fired
	release chan struct{} // faultStall: closed by the test to let the bytes go
}

// proxy is a loopback TCP proxy between the library's driver and a real database server. It
// counts the bytes each way, so that a test can cut every connection (or hold the traffic)
// at an exact byte offset of an operation, or refuse connections for a while, as a database
// that is restarting would.
type proxy struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	links    map[*link]struct{}
	refusing bool
	counted  [2]int64 // bytes forwarded per direction since reset
	reads    [2][]int // sizes of the reads forwarded per direction since reset
	armed    *fault
	protocol string        // "postgres" or "mysql": how to read the session id
	sessions []string      // the server's id of every session the proxy ever opened
	closed   chan struct{} // closed by close
	wg       sync.WaitGroup
	accepted int
}

// link is one client connection and its connection to the server.
type link struct {
	client, server net.Conn
	once           sync.Once
	hello          []byte // the first bytes from the server, until the session id is read
	idKnown        bool
}

func (l *link) close() {
	l.once.Do(func() {
		l.client.Close()
		l.server.Close()
	})
}

// newProxy listens on 127.0.0.1:0 and forwards to target (host:port), a server speaking
// protocol ("postgres" or "mysql"). It stops when the test ends.
func newProxy(t *testing.T, target, protocol string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &proxy{ln: ln, target: target, protocol: protocol, links: map[*link]struct{}{}, closed: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// addr is the host:port clients dial.
func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) close() {
	select {
	case <-p.closed:
		return
	default:
	}
	close(p.closed)
	p.ln.Close()
	p.cutAll()
	p.mu.Lock()
	if f := p.armed; f != nil && f.kind == faultStall {
		select {
		case <-f.release:
		default:
			close(f.release)
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refusing := p.refusing
		p.accepted++
		p.mu.Unlock()
		if refusing {
			// A server that is down: the connection dies at once.
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		l := &link{client: c, server: s}
		p.mu.Lock()
		p.links[l] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pump(l, upstream, c, s)
		go p.pump(l, downstream, s, c)
	}
}

// pump copies src to dst, counting and applying the armed fault.
func (p *proxy) pump(l *link, dir direction, src, dst net.Conn) {
	defer p.wg.Done()
	defer func() {
		l.close()
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if dir == downstream && !l.idKnown {
				p.readSessionID(l, buf[:n])
			}
			if !p.forward(dir, dst, buf[:n]) {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// forward writes b to dst unless the armed fault says otherwise; false stops the pump.
func (p *proxy) forward(dir direction, dst net.Conn, b []byte) bool {
	p.mu.Lock()
	f := p.armed
	if f == nil || f.dir != dir || p.counted[dir]+int64(len(b)) <= f.at {
		p.counted[dir] += int64(len(b))
		p.reads[dir] = append(p.reads[dir], len(b))
		p.mu.Unlock()
		_, err := dst.Write(b)
		return err == nil
	}
	// The fault fires inside b: forward exactly up to its offset first.
	head := int(f.at - p.counted[dir])
	p.counted[dir] += int64(head)
	p.armed = nil
	f.at0 = p.accepted
	p.mu.Unlock()
	if head > 0 {
		if _, err := dst.Write(b[:head]); err != nil {
			close(f.reached)
			return false
		}
	}
	switch f.kind {
	case faultCut:
		close(f.reached)
		p.cutAll()
		return false
	default: // faultStall
		close(f.reached)
		select {
		case <-f.release:
		case <-p.closed:
			return false
		}
		p.mu.Lock()
		p.counted[dir] += int64(len(b) - head)
		p.mu.Unlock()
		_, err := dst.Write(b[head:])
		return err == nil
	}
}

// acceptedSince is the number of connections accepted after f fired.
func (p *proxy) acceptedSince(f *fault) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted - f.at0
}

// reset zeroes the byte counters and the read log.
func (p *proxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counted = [2]int64{}
	p.reads = [2][]int{}
}

// bytes returns the bytes forwarded each way since reset, and the sizes of the reads.
func (p *proxy) bytes() (counted [2]int64, reads [2][]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counted, [2][]int{append([]int(nil), p.reads[0]...), append([]int(nil), p.reads[1]...)}
}

// arm sets the fault that fires when at bytes (counted from the last reset) have gone in dir.
// It returns the fault; wait on its reached channel.
func (p *proxy) arm(dir direction, at int64, kind faultKind) *fault {
	f := &fault{dir: dir, at: at, kind: kind, reached: make(chan struct{}), release: make(chan struct{})}
	p.mu.Lock()
	p.armed = f
	p.mu.Unlock()
	return f
}

// disarm removes an armed fault that has not fired, and reports whether there was one.
func (p *proxy) disarm() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	had := p.armed != nil
	p.armed = nil
	return had
}

// cutAll closes every open link, both sides, at once.
func (p *proxy) cutAll() {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		if tc, ok := l.client.(*net.TCPConn); ok {
			tc.SetLinger(0) // reset, as a dying host's kernel would
		}
		l.close()
	}
}

// refuse makes the proxy drop new connections at once (as a stopped server would) while on
// is true.
func (p *proxy) refuse(on bool) {
	p.mu.Lock()
	p.refusing = on
	p.mu.Unlock()
}

// sessionIDs returns the server's id of every session the proxy opened (PostgreSQL backend
// pids, MySQL connection ids), read from each session's first bytes.
func (p *proxy) sessionIDs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sessions...)
}

// readSessionID reads the session id from the first bytes the server sends: on PostgreSQL the
// pid in BackendKeyData ('K'), which comes before the first ReadyForQuery; on MySQL the
// connection id in the initial handshake packet.
func (p *proxy) readSessionID(l *link, b []byte) {
	l.hello = append(l.hello, b...)
	id, done := "", false
	h := l.hello
	switch p.protocol {
	case "postgres":
		for len(h) >= 5 {
			typ, n := h[0], int(binary.BigEndian.Uint32(h[1:5]))
			if n < 4 || typ == 'Z' { // no key data before the session is ready: give up
				done = true
				break
			}
			if len(h) < 1+n {
				break
			}
			if typ == 'K' && n >= 12 {
				id, done = strconv.FormatUint(uint64(binary.BigEndian.Uint32(h[5:9])), 10), true
				break
			}
			h = h[1+n:]
		}
	case "mysql":
		// 3-byte length, sequence number, protocol version 10, NUL-terminated server
		// version, then the 4-byte little-endian connection id.
		if len(h) >= 5 && h[4] == 10 {
			if end := bytes.IndexByte(h[5:], 0); end >= 0 && len(h) >= 5+end+1+4 {
				at := 5 + end + 1
				id, done = strconv.FormatUint(uint64(binary.LittleEndian.Uint32(h[at:at+4])), 10), true
			}
		} else if len(h) >= 5 {
			done = true
		}
	default:
		done = true
	}
	if done || len(l.hello) > 64<<10 {
		l.idKnown, l.hello = true, nil
		if id != "" {
			p.mu.Lock()
			p.sessions = append(p.sessions, id)
			p.mu.Unlock()
		}
	}
}

// openLinks is the number of links now open.
func (p *proxy) openLinks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// splitHostPort parses host:port with a numeric port.
func splitHostPort(addr string) (string, int, error) {
	h, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil {
		return "", 0, errors.New("port is not a number: " + ps)
	}
	return h, port, nil
}
