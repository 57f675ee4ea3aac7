// cloud.uploadFile / getTempFileURL / downloadFile / deleteFile of
// wx-server-sdk, unmodified, inside a function on the emulator.
const cloud = require('wx-server-sdk');

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV });

exports.main = async (event) => {
  const out = {};
  const up = await cloud.uploadFile({ cloudPath: event.path, fileContent: Buffer.from(event.text) });
  out.fileID = up.fileID;
  const urls = await cloud.getTempFileURL({ fileList: [{ fileID: up.fileID, maxAge: 120 }] });
  out.url = urls.fileList[0];
  const dl = await cloud.downloadFile({ fileID: up.fileID });
  out.downloaded = dl.fileContent.toString();

  const tmp = await cloud.uploadFile({ cloudPath: 'fn/tmp.txt', fileContent: Buffer.from('tmp') });
  const missing = up.fileID.replace(event.path, 'fn/never-there.txt');
  const del = await cloud.deleteFile({ fileList: [tmp.fileID, missing] });
  out.deleted = del.fileList.map((f) => f.status);

  try {
    await cloud.downloadFile({ fileID: missing });
    out.missing = 'downloaded';
  } catch (e) {
    out.missing = [e.errCode, String(e.errMsg || e.message)];
  }
  return out;
};
