# The CMOS RTC with the stock kernel: rtc_cmos binds through the DSDT's PNP0B00 and sets the
# system clock from it, /dev/rtc0 reads (sysfs, hwclock) within 1 s of the test host's clock
# and the guest's wall clock within 2 s, and an alarm interrupt arrives on IRQ 8.
# testhost-timeout: 120
. /t/lib.sh; . /t/helpers.inc
vmm_console "console=ttyS0 guest=rtc"
check "guest waits for the host's clock" wait_for /tmp/o GUEST-RTC-READY 90 $pid
h=$(date +%s)
echo "$h" >&8
vmm_console_end
grep -E 'rtc|RTC|clock' /tmp/o.txt | sed 's/^/| /'
expect_eq "$st" 0 "vmm exit status"
expect_line /tmp/o.txt 'rtc_cmos 00:0[0-9]+: registered as rtc0' "rtc_cmos bound"
expect_line /tmp/o.txt 'rtc_cmos 00:0[0-9]+: setting system clock to' "system clock set from the RTC"
expect_no_line /tmp/o.txt 'rtc_cmos.*(broken|not accessible|only 24-hr)' "no rtc_cmos complaint"
expect_line /tmp/o.txt '^GUEST-RTC-DEV ok' "/dev/rtc0 exists"
now=$(line_value /tmp/o.txt GUEST-RTC-NOW)
for kv in $now; do eval "g_${kv%%=*}=${kv#*=}"; done
expect_eq "${g_host:-}" "$h" "the host's clock reached the guest"
within() { [ -n "$2" ] && [ $(($2 - h)) -ge -"$1" ] && [ $(($2 - h)) -le "$1" ]; }
check "rtc0 since_epoch ${g_rtc:-?} within 1 s of the host's $h" within 1 "${g_rtc:-}"
check "hwclock -r ${g_hwclock:-?} within 1 s of the host's $h" within 1 "${g_hwclock:-}"
check "the guest's wall clock ${g_date:-?} within 2 s of the host's $h" within 2 "${g_date:-}"
irq=$(line_value /tmp/o.txt GUEST-RTC-IRQ)
# "27:  1  IO-APIC  8-edge  rtc0": Linux numbers its IRQs itself; the pin is GSI 8, edge
fired() { echo "$irq" | awk '/IO-APIC +8-edge +rtc0/ { for (i = 2; $i ~ /^[0-9]+$/; i++) n += $i }
    END { exit !(n > 0) }'; }
check "alarm interrupt on IOAPIC pin 8: '$irq'" fired
finish
