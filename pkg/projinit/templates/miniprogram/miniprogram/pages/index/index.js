// Calls the hello cloud function's routes (tcb-router) and shows the answers.
Page({
  data: { greeting: '', openid: '', error: '' },

  onLoad() {
    this.call({ $url: 'hello', name: 'mini program' })
      .then((r) => this.setData({ greeting: r.message }))
    this.call({ $url: 'whoami' })
      .then((r) => this.setData({ openid: r.OPENID }))
  },

  call(data) {
    return wx.cloud.callFunction({ name: 'hello', data })
      .then((res) => res.result)
      .catch((err) => {
        this.setData({ error: String(err.errMsg || err) })
        return {}
      })
  },
})
