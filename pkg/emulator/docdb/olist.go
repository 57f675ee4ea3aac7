package docdb

import (
	"slices"
	"sort"
)

// olist is an ordered multiset kept as a list of sorted chunks (a flat,
// two-level B-tree). Inserts and deletes touch one chunk of at most
// maxChunk elements; searches are two binary searches; positional access
// (rank, at) walks the chunk lengths, a few hundred integers for 100,000
// elements. Elements must be distinct under cmp (callers add a tie-breaker).
type olist[T any] struct {
	cmp    func(a, b T) int
	chunks [][]T
	n      int
}

const (
	maxChunk   = 256
	buildChunk = 192
)

// pos is a position in an olist: chunk c, offset i. c == len(chunks) is
// the end.
type pos struct{ c, i int }

func newOList[T any](cmp func(a, b T) int) *olist[T] { return &olist[T]{cmp: cmp} }

// build replaces the contents with sorted (which must be sorted and
// distinct); the slice is not retained.
func (l *olist[T]) build(sorted []T) {
	l.chunks = l.chunks[:0]
	for i := 0; i < len(sorted); i += buildChunk {
		j := min(i+buildChunk, len(sorted))
		ch := make([]T, j-i, maxChunk+1)
		copy(ch, sorted[i:j])
		l.chunks = append(l.chunks, ch)
	}
	l.n = len(sorted)
}

func (l *olist[T]) len() int { return l.n }

func (l *olist[T]) end() pos { return pos{len(l.chunks), 0} }

// search returns the first position whose element satisfies pred, which
// must be monotone (false ... false true ... true) over the order.
func (l *olist[T]) search(pred func(T) bool) pos {
	c := sort.Search(len(l.chunks), func(i int) bool {
		ch := l.chunks[i]
		return pred(ch[len(ch)-1])
	})
	if c == len(l.chunks) {
		return l.end()
	}
	ch := l.chunks[c]
	return pos{c, sort.Search(len(ch), func(j int) bool { return pred(ch[j]) })}
}

// lowerBound is the first position with element >= x.
func (l *olist[T]) lowerBound(x T) pos {
	return l.search(func(y T) bool { return l.cmp(y, x) >= 0 })
}

func (l *olist[T]) insert(x T) {
	if len(l.chunks) == 0 {
		ch := make([]T, 1, maxChunk+1)
		ch[0] = x
		l.chunks = append(l.chunks, ch)
		l.n = 1
		return
	}
	p := l.lowerBound(x)
	if p.c == len(l.chunks) {
		p.c = len(l.chunks) - 1
		p.i = len(l.chunks[p.c])
	}
	ch := slices.Insert(l.chunks[p.c], p.i, x)
	if len(ch) > maxChunk {
		half := len(ch) / 2
		right := make([]T, len(ch)-half, maxChunk+1)
		copy(right, ch[half:])
		clear(ch[half:])
		l.chunks[p.c] = ch[:half]
		l.chunks = slices.Insert(l.chunks, p.c+1, right)
	} else {
		l.chunks[p.c] = ch
	}
	l.n++
}

// remove deletes the element equal to x and reports whether it was there.
func (l *olist[T]) remove(x T) bool {
	p := l.lowerBound(x)
	if p.c == len(l.chunks) || l.cmp(l.chunks[p.c][p.i], x) != 0 {
		return false
	}
	ch := slices.Delete(l.chunks[p.c], p.i, p.i+1)
	if len(ch) == 0 {
		l.chunks = slices.Delete(l.chunks, p.c, p.c+1)
	} else {
		l.chunks[p.c] = ch
	}
	l.n--
	return true
}

// get returns the element at p, which must not be the end.
func (l *olist[T]) get(p pos) T { return l.chunks[p.c][p.i] }

// next returns the position after p.
func (l *olist[T]) next(p pos) pos {
	p.i++
	if p.i >= len(l.chunks[p.c]) {
		return pos{p.c + 1, 0}
	}
	return p
}

// prev returns the position before p and false when p is the first.
func (l *olist[T]) prev(p pos) (pos, bool) {
	if p.i > 0 {
		return pos{p.c, p.i - 1}, true
	}
	if p.c == 0 {
		return p, false
	}
	return pos{p.c - 1, len(l.chunks[p.c-1]) - 1}, true
}

// rank is the number of elements before p.
func (l *olist[T]) rank(p pos) int {
	n := 0
	for c := 0; c < p.c && c < len(l.chunks); c++ {
		n += len(l.chunks[c])
	}
	return n + p.i
}

// at returns the position of the element with the given rank (the end when
// rank >= len).
func (l *olist[T]) at(rank int) pos {
	if rank < 0 {
		rank = 0
	}
	for c, ch := range l.chunks {
		if rank < len(ch) {
			return pos{c, rank}
		}
		rank -= len(ch)
	}
	return l.end()
}

// each calls fn for the elements from p (inclusive) to q (exclusive) until
// fn returns false.
func (l *olist[T]) each(p, q pos, fn func(T) bool) {
	for p.c < len(l.chunks) && (p.c < q.c || (p.c == q.c && p.i < q.i)) {
		if !fn(l.chunks[p.c][p.i]) {
			return
		}
		p = l.next(p)
	}
}

// before reports whether p is strictly before q.
func before(p, q pos) bool { return p.c < q.c || (p.c == q.c && p.i < q.i) }
