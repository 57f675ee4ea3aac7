App({
  onLaunch() {
    // DYNAMIC_CURRENT_ENV: the environment DevTools is set to.
    wx.cloud.init({ env: wx.cloud.DYNAMIC_CURRENT_ENV, traceUser: true })
  },
})
