#include <camkes.h>
#include <stdint.h>
#include <stdio.h>

static volatile uint32_t *reg(unsigned offset)
{
    return (volatile uint32_t *)((volatile char *)regs + offset);
}

#ifdef MKBUILD_PLATFORM_ZCU102
/* Cadence triple timer counter, counter 1 (Zynq UltraScale+ TRM register map). */
#define TTC_CLOCK_CONTROL 0x00
#define TTC_COUNTER_CONTROL 0x0C
#define TTC_INTERVAL 0x24
#define TTC_INTERRUPT_STATUS 0x54 /* read to clear */
#define TTC_INTERRUPT_ENABLE 0x60
#define TTC_DISABLE (1u << 0)
#define TTC_INTERVAL_MODE (1u << 1)
#define TTC_RESET (1u << 4)
#define TTC_INTERVAL_IRQ (1u << 0)

int run(void)
{
    *reg(TTC_COUNTER_CONTROL) = TTC_DISABLE;
    *reg(TTC_CLOCK_CONTROL) = 0;          /* no prescaler */
    *reg(TTC_INTERVAL) = 50000;
    (void)*reg(TTC_INTERRUPT_STATUS);
    *reg(TTC_INTERRUPT_ENABLE) = TTC_INTERVAL_IRQ;
    *reg(TTC_COUNTER_CONTROL) = TTC_INTERVAL_MODE | TTC_RESET;
    printf("ttc: counter running in interval mode, waiting for interrupt %d\n", irq);
    alarm_wait();
    uint32_t status = *reg(TTC_INTERRUPT_STATUS);
    *reg(TTC_INTERRUPT_ENABLE) = 0;
    *reg(TTC_COUNTER_CONTROL) = TTC_DISABLE;
    alarm_acknowledge();
    printf("ttc: interval interrupt received (status %u)\n", (unsigned)status);
    return 0;
}

#else
/* PL031 real-time clock (ARM PrimeCell RTC technical reference manual). */
#define RTC_DR 0x00   /* data: seconds counter */
#define RTC_MR 0x04   /* match */
#define RTC_CR 0x0C   /* control: bit 0 starts the counter */
#define RTC_IMSC 0x10 /* interrupt mask set/clear */
#define RTC_RIS 0x14  /* raw interrupt status */
#define RTC_ICR 0x1C  /* interrupt clear */
#define RTC_PERIPH_ID0 0xFE0

int run(void)
{
    printf("rtc: peripheral id 0x%02x\n", (unsigned)(*reg(RTC_PERIPH_ID0) & 0xff));
    *reg(RTC_CR) = 1;
    uint32_t now = *reg(RTC_DR);
    printf("rtc: counter running, %s\n", now > 1000000000u ? "time is set" : "time is not set");
    *reg(RTC_ICR) = 1;
    *reg(RTC_MR) = now + 1;
    *reg(RTC_IMSC) = 1;
    printf("rtc: alarm armed, waiting for interrupt %d\n", irq);
    alarm_wait();
    uint32_t raw = *reg(RTC_RIS);
    *reg(RTC_ICR) = 1;
    *reg(RTC_IMSC) = 0;
    alarm_acknowledge();
    printf("rtc: alarm interrupt received (raw status %u), %u s later\n", (unsigned)raw,
           (unsigned)(*reg(RTC_DR) - now));
    return 0;
}
#endif
