#include <camkes.h>
#include <stdint.h>
#include <stdio.h>

/* PL031 registers (ARM PrimeCell RTC technical reference manual). */
#define RTC_DR 0x00   /* data: seconds counter */
#define RTC_MR 0x04   /* match */
#define RTC_CR 0x0C   /* control: bit 0 starts the counter */
#define RTC_IMSC 0x10 /* interrupt mask set/clear */
#define RTC_RIS 0x14  /* raw interrupt status */
#define RTC_ICR 0x1C  /* interrupt clear */
#define RTC_PERIPH_ID0 0xFE0

static volatile uint32_t *reg(unsigned offset)
{
    return (volatile uint32_t *)((volatile char *)regs + offset);
}

int run(void)
{
    printf("rtc: peripheral id 0x%02x\n", (unsigned)(*reg(RTC_PERIPH_ID0) & 0xff));
    *reg(RTC_CR) = 1;
    uint32_t now = *reg(RTC_DR);
    printf("rtc: counter running, %s\n", now > 1000000000u ? "time is set" : "time is not set");
    *reg(RTC_ICR) = 1;
    *reg(RTC_MR) = now + 1;
    *reg(RTC_IMSC) = 1;
    printf("rtc: alarm armed, waiting for interrupt %d\n", 34);
    alarm_wait();
    uint32_t raw = *reg(RTC_RIS);
    *reg(RTC_ICR) = 1;
    *reg(RTC_IMSC) = 0;
    alarm_acknowledge();
    printf("rtc: alarm interrupt received (raw status %u), %u s later\n", (unsigned)raw,
           (unsigned)(*reg(RTC_DR) - now));
    return 0;
}
