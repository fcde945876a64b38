"""The operating system's reason for a failed read or write, in both languages."""

from __future__ import annotations

import errno

from mindie_epcheck.i18n import Text

# Chinese for the common errno values. The English stays the operating system's own words
# (strerror), and an errno missing here keeps those words in Chinese too.
_CHINESE = {
    errno.ENOENT: "文件或目录不存在",
    errno.EACCES: "权限不足",
    errno.EPERM: "操作不被允许",
    errno.EISDIR: "这是一个目录",
    errno.ENOTDIR: "路径中的某一部分不是目录",
    errno.EEXIST: "文件已存在",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "文件系统是只读的",
    errno.EFBIG: "文件过大",
    errno.ENAMETOOLONG: "文件名过长",
    errno.ELOOP: "符号链接层数过多（可能是循环链接）",
    errno.EIO: "输入/输出错误",
    errno.EMFILE: "打开的文件过多",
    errno.ENFILE: "系统中打开的文件过多",
    errno.EBUSY: "设备或资源忙",
    errno.EINVAL: "参数无效",
}


def os_reason(error: OSError) -> Text:
    """Return why `error` happened: the OS's strerror, and its Chinese where known."""
    english = error.strerror or str(error) or type(error).__name__
    return Text(english, _CHINESE.get(error.errno or 0, english))
