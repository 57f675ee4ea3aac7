// Exercises @cloudbase/node-sdk against the emulator from inside a deployed
// function. The collections in event.c exist and are empty.
const tcb = require('@cloudbase/node-sdk')

const app = tcb.init({ env: tcb.SYMBOL_CURRENT_ENV })
const db = app.database()
const _ = db.command

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)

exports.main = async (event) => {
  const C = event.c
  const results = []
  const check = (name, ok, got) => results.push(ok ? { name, ok: true } : { name, ok: false, got: JSON.stringify(got) })
  const run = async (name, fn) => {
    try {
      await fn()
    } catch (e) {
      results.push({ name, ok: false, got: 'threw: ' + (e && (e.code ? e.code + ' ' : '') + (e.message || e.stack) || String(e)) })
    }
  }
  const coll = db.collection(C.docs)

  await run('add, get, where', async () => {
    const a = await coll.add({ _id: 'n1', v: 1, tags: ['x'] })
    const b = await coll.add([{ _id: 'n2', v: 2 }, { _id: 'n3', v: 3 }])
    check('add returns ids', a.id === 'n1' && same(b.ids, ['n2', 'n3']), { a, b })
    const g = await coll.doc('n1').get()
    check('doc get', same(g.data, [{ _id: 'n1', v: 1, tags: ['x'] }]), g.data)
    const w = await coll.where({ v: _.gt(1) }).orderBy('v', 'desc').get()
    check('where', same(w.data.map((d) => d._id), ['n3', 'n2']), w.data)
    const c = await coll.where({ v: _.lte(2) }).count()
    check('count', c.total === 2, c)
  })

  await run('update, set, remove', async () => {
    const u = await coll.doc('n1').update({ v: _.inc(10), extra: 'e' })
    check('doc update', u.updated === 1, u)
    const multi = await coll.where({ v: _.in([2, 3]) }).update({ seen: true })
    check('multi update', multi.updated === 2, multi)
    const s = await coll.doc('n2').set({ only: true })
    const g = await coll.doc('n2').get()
    check('set replaces', s.updated === 1 && same(g.data, [{ _id: 'n2', only: true }]), { s, g: g.data })
    const r = await coll.doc('n3').remove()
    check('remove', r.deleted === 1, r)
  })

  await run('updateAndReturn', async () => {
    const r = await coll.where({ _id: 'n1' }).updateAndReturn({ v: _.inc(1) })
    check('updateAndReturn returns the updated document', r.updated === 1 && r.doc && r.doc.v === 12, r)
    const none = await coll.where({ _id: 'nobody' }).updateAndReturn({ v: _.inc(1) })
    check('updateAndReturn without a match', none.updated === 0 && !none.doc, none)
  })

  await run('transactions', async () => {
    const acc = db.collection(C.accounts)
    await acc.add([{ _id: 'a', bal: 10 }, { _id: 'b', bal: 0 }])
    const res = await db.runTransaction(async (tx) => {
      const { data } = await tx.collection(C.accounts).doc('a').get()
      await tx.collection(C.accounts).doc('a').update({ bal: data.bal - 4 })
      await tx.collection(C.accounts).doc('b').update({ bal: _.inc(4) })
      return data.bal
    })
    const a = (await acc.doc('a').get()).data[0].bal
    const b = (await acc.doc('b').get()).data[0].bal
    check('runTransaction commits', res === 10 && a === 6 && b === 4, { res, a, b })

    // The first attempt meets a concurrent write and fails with
    // DATABASE_TRANSACTION_CONFLICT; node-sdk runs the callback again.
    let attempts = 0
    await db.runTransaction(async (tx) => {
      attempts++
      const { data } = await tx.collection(C.accounts).doc('a').get()
      if (attempts === 1) await acc.doc('a').update({ bal: _.inc(100) })
      await tx.collection(C.accounts).doc('a').update({ bal: data.bal + 1 })
    })
    const after = (await acc.doc('a').get()).data[0].bal
    check('a conflict is retried', attempts === 2 && after === 107, { attempts, after })

    let rolled = null
    try {
      await db.runTransaction(async (tx) => {
        await tx.collection(C.accounts).doc('b').remove()
        await tx.rollback('stop')
      })
    } catch (e) {
      rolled = e
    }
    const stillB = await acc.doc('b').get()
    check('rollback', rolled === 'stop' && stillB.data.length === 1, { rolled, stillB: stillB.data })
  })

  await run('errors', async () => {
    let e1 = null
    try {
      await db.collection('no_such_collection').get()
    } catch (e) {
      e1 = e
    }
    check('missing collection code', e1 && e1.code === 'DATABASE_COLLECTION_NOT_EXIST', e1)
    let e2 = null
    try {
      await coll.add({ _id: 'n1' })
    } catch (e) {
      e2 = e
    }
    check('duplicate key code', e2 && e2.code === 'DATABASE_REQUEST_FAILED' && /E11000/.test(e2.message), e2)
  })

  await run('callFunction and auth', async () => {
    const r = await app.callFunction({ name: 'chain3', data: { hop: 7 } })
    check('callFunction', r.result && r.result.fn === 'chain3' && r.result.hop === 7, r)
    const u = app.auth().getUserInfo()
    check('auth().getUserInfo() reads the caller', u.openId === event.openid && u.appId === event.appid, u)
  })

  return { results }
}
