package ooc

// sysSyncfs is syncfs(2)'s number (the syscall package predates it).
const sysSyncfs uintptr = 306
