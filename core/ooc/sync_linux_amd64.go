package ooc

// sysSyncfs is syncfs(2)'s number (the syscall package predates it).
const sysSyncfs uintptr = 306

// sysRenameat2 is renameat2(2)'s number.
const sysRenameat2 uintptr = 316
