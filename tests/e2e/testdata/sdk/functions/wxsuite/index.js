// Exercises wx-server-sdk against the emulator from inside a deployed
// function: every check records what it saw, and the Go test fails on any
// check that is not ok. The collections in event.c exist and are empty.
const cloud = require('wx-server-sdk')

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
const db = cloud.database()
const _ = db.command
const $ = db.command.aggregate

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)
const ids = (docs) => docs.map((d) => d._id)

exports.main = async (event) => {
  const C = event.c
  const results = []
  const check = (name, ok, got) => results.push(ok ? { name, ok: true } : { name, ok: false, got: JSON.stringify(got) })
  const run = async (name, fn) => {
    try {
      await fn()
    } catch (e) {
      results.push({ name, ok: false, got: 'threw: ' + (e && (e.errMsg || e.stack || e.message) || String(e)) })
    }
  }
  const items = db.collection(C.items)
  let chain = null

  await run('add and doc().get()', async () => {
    const when = new Date('2026-01-02T03:04:05.678Z')
    const r = await items.add({ data: { _id: 'first', title: 'hello', meta: { kind: 'note', n: 1 }, when, list: [1, 2] } })
    check('add returns the given _id', r._id === 'first' && r.errMsg === 'collection.add:ok', r)
    const g = await items.doc('first').get()
    check('doc().get() returns the document', g.data.title === 'hello' && g.data.meta.kind === 'note' &&
      g.data.when instanceof Date && g.data.when.getTime() === when.getTime() && same(g.data.list, [1, 2]), g)
    const gen = await items.add({ data: { title: 'generated' } })
    check('add without _id generates one', typeof gen._id === 'string' && gen._id.length >= 16, gen)
    await items.doc(gen._id).remove()
    await items.doc('first').remove()
  })

  await run('batch add', async () => {
    const docs = []
    for (let i = 0; i < 10; i++) {
      docs.push({ _id: 'i' + i, i, tag: i % 2 ? 'odd' : 'even', score: i * 1.5, tags: i % 3 === 0 ? ['a', 'b'] : ['c'],
        meta: { kind: i < 5 ? 'low' : 'high' }, name: 'item-' + i })
    }
    const r = await items.add({ data: docs })
    check('add of an array returns every _id', Array.isArray(r._ids) && r._ids.length === 10 && r._ids[0] === 'i0', r)
  })

  await run('where with command operators', async () => {
    const q = async (cond) => ids((await items.where(cond).orderBy('i', 'asc').get()).data)
    check('gte and lt', same(await q({ i: _.gte(3).and(_.lt(7)) }), ['i3', 'i4', 'i5', 'i6']), await q({ i: _.gte(3).and(_.lt(7)) }))
    check('in', same(await q({ i: _.in([1, 8, 42]) }), ['i1', 'i8']), null)
    check('nin and neq', same(await q({ i: _.nin([0, 1, 2, 3, 4, 5, 6]), tag: _.neq('even') }), ['i7', 'i9']), null)
    check('or', same(await q(_.or([{ i: 0 }, { name: 'item-9' }])), ['i0', 'i9']), null)
    check('nested path', same(await q({ 'meta.kind': 'high', tag: 'even' }), ['i6', 'i8']), null)
    check('nested object', same(await q({ meta: { kind: 'low' }, i: _.gt(3) }), ['i4']), null)
    check('regex', same(await q({ name: db.RegExp({ regexp: 'ITEM-[12]$', options: 'i' }) }), ['i1', 'i2']), null)
    check('js regex', same(await q({ name: /-[34]$/ }), ['i3', 'i4']), null)
    check('exists', (await q({ score: _.exists(true) })).length === 10 && (await q({ nope: _.exists(true) })).length === 0, null)
    check('array element equality', same(await q({ tags: 'a' }), ['i0', 'i3', 'i6', 'i9']), null)
    check('all and size', same(await q({ tags: _.all(['a', 'b']).and(_.size(2)) }), ['i0', 'i3', 'i6', 'i9']), null)
    check('not', same(await q({ i: _.not(_.gt(1)) }), ['i0', 'i1']), null)
  })

  await run('orderBy, skip, limit, field', async () => {
    const r = await items.where({ tag: 'even' }).orderBy('score', 'desc').skip(1).limit(2).field({ name: true, i: true }).get()
    check('window and order', same(ids(r.data), ['i6', 'i4']), r.data)
    check('projection keeps only the fields asked for (and _id)', same(Object.keys(r.data[0]).sort(), ['_id', 'i', 'name']), r.data[0])
    const two = await items.orderBy('tag', 'asc').orderBy('i', 'desc').limit(3).get()
    check('two sort keys', same(ids(two.data), ['i8', 'i6', 'i4']), ids(two.data))
  })

  await run('count', async () => {
    const all = await items.count()
    const odd = await items.where({ tag: 'odd' }).count()
    check('count', all.total === 10 && odd.total === 5 && odd.errMsg === 'collection.count:ok', { all, odd })
  })

  await run('doc().update() operators', async () => {
    await items.add({ data: { _id: 'ops', n: 1, m: 2, arr: [1, 2, 3], set: ['x'], low: 5, high: 5, gone: true, old: 'v', nested: { a: 1 } } })
    const u = await items.doc('ops').update({
      data: {
        n: _.inc(2), m: _.mul(3), arr: _.push([4, 5]), set: _.addToSet('y'), low: _.min(1), high: _.max(9),
        gone: _.remove(), old: _.rename('renamed'), 'nested.b': 2, fresh: _.set({ deep: true }),
      },
    })
    check('update reports one document updated', u.stats.updated === 1 && u.errMsg === 'document.update:ok', u)
    const { data: d } = await items.doc('ops').get()
    const want = { _id: 'ops', n: 3, m: 6, arr: [1, 2, 3, 4, 5], set: ['x', 'y'], low: 1, high: 9, nested: { a: 1, b: 2 }, renamed: 'v', fresh: { deep: true } }
    const norm = (o) => Object.keys(o).sort().reduce((a, k) => ((a[k] = o[k]), a), {})
    check('every operator applied', same(norm(d), norm(want)), d)
    await items.doc('ops').update({ data: { arr: _.pull(3), set: _.pop() } })
    await items.doc('ops').update({ data: { arr: _.shift() } })
    await items.doc('ops').update({ data: { arr: _.unshift([0]), set: _.pullAll(['nope']) } })
    const { data: d2 } = await items.doc('ops').get()
    check('pull, pop, shift, unshift', same(d2.arr, [0, 2, 4, 5]) && same(d2.set, ['x']), d2)
    await items.doc('ops').remove()
  })

  await run('doc().set()', async () => {
    await items.add({ data: { _id: 'setme', a: 1, b: 2 } })
    const s = await items.doc('setme').set({ data: { c: 3 } })
    const { data } = await items.doc('setme').get()
    check('set replaces the document', same(data, { _id: 'setme', c: 3 }) && s.stats.updated === 1, { s, data })
    const created = await items.doc('brand-new').set({ data: { z: 1 } })
    const { data: nd } = await items.doc('brand-new').get()
    check('set of a missing document creates it', same(nd, { _id: 'brand-new', z: 1 }) && created._id === 'brand-new' && created.stats.created === 1, created)
    await items.doc('setme').remove()
    await items.doc('brand-new').remove()
  })

  await run('where().update() and where().remove()', async () => {
    const u = await items.where({ tag: 'odd' }).update({ data: { flagged: true } })
    check('multi update counts', u.stats.updated === 5 && u.errMsg === 'collection.update:ok', u)
    const flagged = await items.where({ flagged: true }).count()
    check('multi update applied', flagged.total === 5, flagged)
    await items.add({ data: [{ _id: 'tmp1', tmp: 1 }, { _id: 'tmp2', tmp: 1 }] })
    const r = await items.where({ tmp: 1 }).remove()
    check('multi remove counts', r.stats.removed === 2 && r.errMsg === 'collection.remove:ok', r)
    const d = await items.doc('i9').remove()
    check('doc remove', d.stats.removed === 1, d)
    let gone = null
    try {
      await items.doc('i9').get()
    } catch (e) {
      gone = e
    }
    check('get of a removed document fails', gone && /does not exist/.test(gone.errMsg), gone && gone.errMsg)
    await items.add({ data: { _id: 'i9', i: 9, tag: 'odd', score: 13.5, tags: ['a', 'b'], meta: { kind: 'high' }, name: 'item-9' } })
  })

  await run('aggregate', async () => {
    const orders = db.collection(C.orders)
    await orders.add({ data: [
      { _id: 'o1', item: 'i1', qty: 2 }, { _id: 'o2', item: 'i1', qty: 3 }, { _id: 'o3', item: 'i2', qty: 1 },
    ] })
    const g = await items.aggregate().group({ _id: '$tag', n: $.sum(1), avg: $.avg('$score'), top: $.max('$i') }).sort({ _id: 1 }).end()
    check('group and sort', same(g.list, [{ _id: 'even', n: 5, avg: 6, top: 8 }, { _id: 'odd', n: 5, avg: 7.5, top: 9 }]) && g.errMsg === 'collection.aggregate:ok', g)
    const u = await items.aggregate().match({ i: _.lt(2) }).unwind('$tags').project({ _id: 0, i: 1, t: '$tags' }).sort({ i: 1, t: 1 }).end()
    check('match, unwind, project', same(u.list, [{ i: 0, t: 'a' }, { i: 0, t: 'b' }, { i: 1, t: 'c' }]), u.list)
    const l = await orders.aggregate().lookup({ from: C.items, localField: 'item', foreignField: '_id', as: 'it' })
      .unwind('$it').group({ _id: '$it.name', qty: $.sum('$qty') }).sort({ _id: 1 }).end()
    check('lookup', same(l.list, [{ _id: 'item-1', qty: 5 }, { _id: 'item-2', qty: 1 }]), l.list)
    const c = await items.aggregate().match({ tag: 'odd' }).count('n').end()
    check('count stage', same(c.list, [{ n: 5 }]), c.list)
    const sk = await items.aggregate().sort({ i: -1 }).skip(2).limit(2).project({ i: 1 }).end()
    check('skip and limit stages', same(sk.list, [{ _id: 'i7', i: 7 }, { _id: 'i6', i: 6 }]), sk.list)
  })

  await run('transactions', async () => {
    const acc = db.collection(C.accounts)
    await acc.add({ data: [{ _id: 'alice', bal: 100 }, { _id: 'bob', bal: 0 }] })
    const bal = async (id) => (await acc.doc(id).get()).data.bal

    const out = await db.runTransaction(async (tx) => {
      const a = (await tx.collection(C.accounts).doc('alice').get()).data
      await tx.collection(C.accounts).doc('alice').update({ data: { bal: a.bal - 30 } })
      await tx.collection(C.accounts).doc('bob').update({ data: { bal: _.inc(30) } })
      await tx.collection(C.accounts).add({ data: { _id: 'log1', what: 'transfer' } })
      return 'moved'
    })
    check('runTransaction commits', out === 'moved' && (await bal('alice')) === 70 && (await bal('bob')) === 30 &&
      (await acc.doc('log1').get()).data.what === 'transfer', out)

    let reason = null
    try {
      await db.runTransaction(async (tx) => {
        await tx.collection(C.accounts).doc('alice').update({ data: { bal: 0 } })
        await tx.collection(C.accounts).add({ data: { _id: 'log2' } })
        await tx.rollback('not today')
      })
    } catch (e) {
      reason = e
    }
    const log2 = await acc.where({ _id: 'log2' }).count()
    check('rollback leaves nothing', reason === 'not today' && (await bal('alice')) === 70 && log2.total === 0, { reason, log2 })

    let thrown = null
    try {
      await db.runTransaction(async (tx) => {
        await tx.collection(C.accounts).doc('bob').remove()
        throw new Error('boom')
      })
    } catch (e) {
      thrown = e
    }
    check('a throwing transaction aborts', thrown && thrown.message === 'boom' && (await bal('bob')) === 30, thrown && thrown.message)

    const t = await db.startTransaction()
    await t.collection(C.accounts).doc('alice').update({ data: { bal: _.inc(1) } })
    const inside = (await t.collection(C.accounts).doc('alice').get()).data.bal
    const outside = await bal('alice')
    await t.commit()
    check('uncommitted writes are private, then visible', inside === 71 && outside === 70 && (await bal('alice')) === 71, { inside, outside })

    const t2 = await db.startTransaction()
    const seen = (await t2.collection(C.accounts).doc('bob').get()).data.bal
    await acc.doc('bob').update({ data: { bal: _.inc(5) } })
    const again = (await t2.collection(C.accounts).doc('bob').get()).data.bal
    await t2.collection(C.accounts).doc('bob').update({ data: { bal: seen + 100 } })
    let conflict = null
    try {
      await t2.commit()
    } catch (e) {
      conflict = e
    }
    check('repeatable read inside a transaction', seen === 30 && again === 30, { seen, again })
    check('a concurrent change makes the commit fail', conflict && (await bal('bob')) === 35, conflict)
  })

  await run('errors', async () => {
    let e1 = null
    try {
      await db.collection('no_such_collection').get()
    } catch (e) {
      e1 = e
    }
    check('missing collection is -502005', e1 && e1.errCode === -502005 && /collection\.get:fail -502005/.test(e1.errMsg), e1)
    let e2 = null
    try {
      await items.add({ data: { _id: 'i1' } })
    } catch (e) {
      e2 = e
    }
    check('duplicate _id is -502001', e2 && e2.errCode === -502001 && /duplicate key/.test(e2.errMsg), e2)
    let e3 = null
    try {
      await cloud.callFunction({ name: 'no-such-function', data: {} })
    } catch (e) {
      e3 = e
    }
    check('calling a missing function fails', e3 && /callFunction:fail/.test(e3.errMsg), e3 && e3.errMsg)
    let e4 = null
    try {
      await cloud.callFunction({ name: 'thrower', data: { msg: 'bad input' } })
    } catch (e) {
      e4 = e
    }
    check('a function that throws fails the call with its message', e4 && /callFunction:fail/.test(e4.errMsg) && /bad input/.test(e4.errMsg), e4 && e4.errMsg)
  })

  await run('serverDate', async () => {
    const before = Date.now()
    await items.add({ data: { _id: 'sd', at: db.serverDate(), later: db.serverDate({ offset: 60000 }) } })
    const { data } = await items.doc('sd').get()
    const after = Date.now()
    check('serverDate is resolved on write', data.at instanceof Date && data.at.getTime() >= before - 1000 && data.at.getTime() <= after + 1000, data)
    check('serverDate offset', data.later instanceof Date && Math.abs(data.later.getTime() - data.at.getTime() - 60000) < 5, data)
    await items.doc('sd').update({ data: { touched: db.serverDate() } })
    const { data: d2 } = await items.doc('sd').get()
    check('serverDate in an update', d2.touched instanceof Date && d2.touched.getTime() >= data.at.getTime(), d2)
    await items.doc('sd').remove()
  })

  await run('geo', async () => {
    const places = db.collection(C.places)
    const gz = db.Geo.Point(113.2644, 23.1291) // Guangzhou
    await places.add({ data: [
      { _id: 'gz', loc: gz },
      { _id: 'sz', loc: db.Geo.Point(114.0579, 22.5431) }, // Shenzhen, about 104 km away
      { _id: 'fs', loc: db.Geo.Point(113.1214, 23.0215) }, // Foshan, about 19 km away
      { _id: 'bj', loc: db.Geo.Point(116.4074, 39.9042) }, // Beijing
    ] })
    const { data } = await places.doc('gz').get()
    // The SDK turns GeoJSON read back into its Geo classes (its own copy of
    // them: instanceof db.Geo.Point does not hold across the bundles).
    const kind = (v) => v && v.constructor && v.constructor.name
    check('a Point comes back as a Geo Point', kind(data.loc) === 'Point' && data.loc.longitude === 113.2644 && data.loc.latitude === 23.1291, data)
    const line = db.Geo.LineString([db.Geo.Point(113, 23), db.Geo.Point(114, 23)])
    const poly = db.Geo.Polygon([db.Geo.LineString([db.Geo.Point(112, 22), db.Geo.Point(115, 22), db.Geo.Point(115, 24), db.Geo.Point(112, 24), db.Geo.Point(112, 22)])])
    const shapes = { line, poly, mp: db.Geo.MultiPoint([gz, db.Geo.Point(1, 2)]), ml: db.Geo.MultiLineString([line]), mpoly: db.Geo.MultiPolygon([poly]) }
    await db.collection(C.items).add({ data: { _id: 'shapes', ...shapes } })
    const { data: back } = await db.collection(C.items).doc('shapes').get()
    const kinds = ['line', 'poly', 'mp', 'ml', 'mpoly'].map((k) => kind(back[k]))
    check('every Geo type round-trips', same(kinds, ['LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon']) &&
      same(back.poly.toJSON(), poly.toJSON()) && same(back.mpoly.toJSON(), shapes.mpoly.toJSON()), { kinds, back })
    await db.collection(C.items).doc('shapes').remove()

    const near = await places.where({ loc: _.geoNear({ geometry: gz, maxDistance: 150000 }) }).get()
    check('geoNear sorts by distance and stops at maxDistance', same(ids(near.data), ['gz', 'fs', 'sz']), ids(near.data))
    const ring = await places.where({ loc: _.geoNear({ geometry: gz, minDistance: 50000, maxDistance: 150000 }) }).get()
    check('geoNear minDistance', same(ids(ring.data), ['sz']), ids(ring.data))
    const within = await places.where({ loc: _.geoWithin({ geometry: poly }) }).orderBy('_id', 'asc').get()
    check('geoWithin a polygon', same(ids(within.data), ['fs', 'gz', 'sz']), ids(within.data))
    const circle = await places.where({ loc: _.geoWithin({ centerSphere: [gz, 30000 / 6378100] }) }).orderBy('_id', 'asc').get()
    check('geoWithin a circle (centerSphere)', same(ids(circle.data), ['fs', 'gz']), ids(circle.data))
    const crossing = db.Geo.LineString([db.Geo.Point(113.2644, 23.0), db.Geo.Point(113.2644, 23.5)])
    const hit = await places.where({ loc: _.geoIntersects({ geometry: crossing }) }).get()
    check('geoIntersects a line through a point', same(ids(hit.data), ['gz']), ids(hit.data))
    const agg = await places.aggregate().geoNear({ near: gz, spherical: true, distanceField: 'dist', maxDistance: 150000 })
      .project({ _id: 1, km: $.divide(['$dist', 1000]) }).end()
    const km = agg.list.map((d) => [d._id, Math.round(d.km)])
    check('aggregate geoNear with distanceField', same(km, [['gz', 0], ['fs', 19], ['sz', 104]]), km)
  })

  await run('callFunction chain', async () => {
    const r = await cloud.callFunction({ name: 'chain1', data: { hop: 0 } })
    check('callFunction returns the result', r.errMsg === 'callFunction:ok' && r.result && r.result.fn === 'chain1', r)
    chain = r.result
  })

  return { results, chain, ctx: cloud.getWXContext() }
}
