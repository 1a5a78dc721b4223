/*
 * Test fixture only; never shipped. Built by tests/wine/setup.sh as
 * bcryptprimitives.dll and placed next to a Rust .exe run under Wine.
 *
 * Rust's std on Windows takes its random numbers from
 * bcryptprimitives.dll!ProcessPrng. Debian 12's Wine 8 has no such DLL, so
 * every Rust program fails to start under it (status c0000135). This DLL
 * exports ProcessPrng on top of advapi32!SystemFunction036 (RtlGenRandom),
 * which Wine has. Windows 10 and later have the real one.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    /* The real ProcessPrng never fails. */
    return TRUE;
}
