// Every action is one route of the "todo" cloud function (tcb-router).
const call = (data) => wx.cloud.callFunction({ name: 'todo', data }).then((r) => r.result)

Page({
  data: { todos: [], title: '', stats: [] },

  onShow() {
    this.refresh()
  },

  async refresh() {
    const [list, stats] = await Promise.all([call({ $url: 'list' }), call({ $url: 'stats' })])
    this.setData({ todos: list.todos, stats: stats.stats })
  },

  onInput(e) {
    this.setData({ title: e.detail.value })
  },

  async add() {
    const res = await call({ $url: 'add', title: this.data.title })
    if (!res.ok) {
      wx.showToast({ title: res.error, icon: 'none' })
      return
    }
    this.setData({ title: '' })
    this.refresh()
  },

  async done(e) {
    await call({ $url: 'done', id: e.currentTarget.dataset.id })
    this.refresh()
  },

  async remove(e) {
    await call({ $url: 'remove', id: e.currentTarget.dataset.id })
    this.refresh()
  },
})
